import ConformanceMessages
import ConformanceServices
import Foundation
import Synchronization
import Testing
import ZRPC

private typealias Orders = Zrpc_Test_Policy_Orders
private typealias Request = Zrpc_Test_Policy_PolicyRequest
private typealias Reply = Zrpc_Test_Policy_PolicyReply

/// Call options declared in `Protos/test/policy.proto` and applied by a client that configures
/// nothing: the method's timeout, an idempotency key, retry, hedging and caching, and the client's
/// own configuration winning over them.
@Suite("Call options from the .proto")
struct DeclaredPolicyTests {
    @Test("a method's declared timeout applies before the client's default; a method's own beats its service's")
    func timeouts() async throws {
        try await withOrders { orders, _ in
            let plain = try await orders.plain(.init(key: "p"))
            #expect(plain.remainingMillis <= 20_000 && plain.remainingMillis > 10_000)
            let placed = try await orders.place(.init(key: "p"))
            #expect(placed.remainingMillis <= 5_000)
            // The caller's own timeout still wins.
            let own = try await orders.plain(.init(key: "p"), options: .init(timeout: .seconds(60)))
            #expect(own.remainingMillis > 30_000)
        }
    }

    @Test("a keyed method gets an idempotency key, the same on every attempt, and is retried as declared")
    func keyedRetry() async throws {
        try await withOrders { orders, service in
            let reply = try await orders.place(.init(key: "flaky-place"))
            #expect(reply.attempt == 2)
            #expect(!reply.idempotencyKey.isEmpty)
            #expect(service.keys(for: "flaky-place") == [reply.idempotencyKey, reply.idempotencyKey])
        }
    }

    @Test("a read is retried and then cached as declared")
    func retryAndCache() async throws {
        try await withOrders { orders, service in
            let first = try await orders.get(.init(key: "flaky-get"))
            #expect(first.attempt == 2)
            let second = try await orders.get(.init(key: "flaky-get"))
            #expect(second == first)
            // The failed attempt and the retry reached the server; the second read hit the cache.
            #expect(service.calls(for: "flaky-get") == 2)
        }
    }

    @Test("a slow first attempt is hedged as declared")
    func hedged() async throws {
        try await withOrders { orders, _ in
            let started = ContinuousClock.now
            let reply = try await orders.quote(.init(key: "slow-quote"))
            #expect(reply.attempt >= 2)
            #expect(
                started.duration(to: .now) < .seconds(5),
                "the first attempt takes 10 s; the hedge 20 ms later answers at once"
            )
        }
    }

    @Test("the client's own retry configuration wins over the .proto's")
    func configurationWins() async throws {
        try await withOrders(configure: { $0.resilience.retry = .init(maxAttempts: 1) }) { orders, _ in
            let error = try await rpcError { try await orders.get(.init(key: "flaky-configured")) }
            #expect(error.code == .unavailable)
        }
    }

    private func withOrders(
        configure: @escaping (inout Client.Configuration) -> Void = { _ in },
        _ body: (Orders.Client, OrdersService) async throws -> Void
    ) async throws {
        let service = OrdersService()
        let services: (EventRecorder, Gates) -> [any RPCService] = { _, _ in [service] }
        try await withHarness(configureClient: configure, services: services) { (harness: Harness) async throws in
            try await body(Orders.Client(wrapping: harness.client), service)
        }
    }
}

/// Keys starting `flaky-` fail their first attempt with UNAVAILABLE; `slow-` ones take 10 s on
/// their first attempt. Records what each key's attempts carried.
private final class OrdersService: Orders.ServiceProtocol, Sendable {
    private let seen = Mutex<[String: [String]]>([:])

    func calls(for key: String) -> Int { seen.withLock { $0[key]?.count ?? 0 } }
    func keys(for key: String) -> [String] { seen.withLock { $0[key] ?? [] } }

    private func serve(_ request: Request, context: ServerContext) async throws -> Reply {
        seen.withLock { $0[request.key, default: []].append(context.idempotencyKey) }
        if request.key.hasPrefix("flaky-"), context.attempt < 2 {
            throw RPCError(code: .unavailable, message: "the first attempt fails on purpose")
        }
        if request.key.hasPrefix("slow-"), context.attempt < 2 {
            try await Task.sleep(for: .seconds(10))
        }
        let remaining = context.remainingTime.components
        return Reply(
            key: request.key,
            attempt: context.attempt,
            idempotencyKey: context.idempotencyKey,
            remainingMillis: remaining.seconds * 1_000 + remaining.attoseconds / 1_000_000_000_000_000
        )
    }

    func get(_ request: Request, context: ServerContext) async throws -> Reply {
        try await serve(request, context: context)
    }
    func place(_ request: Request, context: ServerContext) async throws -> Reply {
        try await serve(request, context: context)
    }
    func quote(_ request: Request, context: ServerContext) async throws -> Reply {
        try await serve(request, context: context)
    }
    func plain(_ request: Request, context: ServerContext) async throws -> Reply {
        try await serve(request, context: context)
    }
}
