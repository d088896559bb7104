import ConformanceMessages
import ConformanceServices
import Foundation
import GRDB
import Synchronization
import Testing
import ZRPC
import ZRPCQueue
import ZRPCTestKit

private typealias Work = Zrpc_Testkit_FaultRequest
private typealias Orders = Zrpc_Test_Policy_Orders

/// Effects once per idempotency key: the store, a redelivered task, and RPC calls with a repeated key.
@Suite("Idempotency")
struct IdempotencyTests {
    private static func withStore<Result>(_ body: (IdempotencyStore) async throws -> Result) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-idem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await IdempotencyStore(path: folder.appendingPathComponent("effects.sqlite").path)
        try await store.perform(key: "setup") { db in
            try db.execute(sql: "CREATE TABLE ledger (key TEXT NOT NULL)")
            return []
        }
        return try await body(store)
    }

    private static func ledgerCount(_ store: IdempotencyStore, key: String) async throws -> Int {
        try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE key = ?", arguments: [key]) ?? 0
        }
    }

    @Test("an effect runs once per key, also when many run the key at once; a failed effect records nothing")
    func onceUnderConcurrency() async throws {
        try await Self.withStore { store in
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyStore.Outcome.self) { group in
                for run in 0..<20 {
                    group.addTask {
                        try await store.perform(key: "k") { db in
                            try db.execute(sql: "INSERT INTO ledger (key) VALUES ('k')")
                            return [UInt8(run)]
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await Self.ledgerCount(store, key: "k") == 1)
            #expect(outcomes.filter { !$0.replayed }.count == 1)
            #expect(Set(outcomes.map(\.result)).count == 1, "every caller got the first run's result")
            await #expect(throws: TaskFailure.self) {
                try await store.perform(key: "fails") { db in
                    try db.execute(sql: "INSERT INTO ledger (key) VALUES ('fails')")
                    throw TaskFailure.retry("not now")
                }
            }
            #expect(try await Self.ledgerCount(store, key: "fails") == 0)
            #expect(try await store.result(for: "fails") == nil)
        }
    }

    @Test("a task redelivered after its effect ran has the effect once")
    func redelivered() async throws {
        try await Self.withStore { store in
            try await BrokerHarness.with(configure: {
                $0.defaultPolicy = TaskPolicy(backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(10)))
            }) { harness in
                let attempts = Mutex<[Int]>([])
                let handler = TaskHandler(queue: "test.Jobs/Run", as: Work.self) { task, context in
                    attempts.withLock { $0.append(context.attempt) }
                    let key = task.key
                    try await store.perform(key: context.idempotencyKey) { db in
                        try db.execute(sql: "INSERT INTO ledger (key) VALUES (?)", arguments: [key])
                        return []
                    }
                    // As if the worker died after the effect and before its ack reached the broker.
                    if context.attempt == 1 { throw TaskFailure.retry("lost the ack") }
                }
                try await TaskProducer<Work>(client: harness.client, queue: "test.Jobs/Run").enqueue(Work(key: "pay"))
                try await harness.withWorker([handler]) { _ in
                    #expect(await eventually { harness.broker.statistics["test.Jobs/Run"]?.acked == 1 })
                }
                #expect(attempts.withLock { $0 } == [1, 2])
                #expect(try await Self.ledgerCount(store, key: "pay") == 1)
            }
        }
    }

    @Test("an idempotency-keyed RPC answers a repeated key with the first response; a concurrent duplicate waits")
    func rpcResponses() async throws {
        try await Self.withStore { store in
            let service = CountingOrders()
            var configuration = Server.Configuration(endpoints: [])
            configuration.interceptors = [IdempotencyInterceptor(store: store)]
            let server = InProcessServer(configuration: configuration, services: [service])
            try await Client.withClient(calling: server) { client in
                let orders = Orders.Client(wrapping: client)
                let options = CallOptions(idempotencyKey: "order-1")
                let replies = try await withThrowingTaskGroup(of: Zrpc_Test_Policy_PolicyReply.self) { group in
                    for _ in 0..<5 { group.addTask { try await orders.place(.init(key: "a"), options: options) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(service.placed.withLock { $0 } == 1)
                #expect(Set(replies.map(\.attempt)).count == 1)
                let later = try await orders.place(.init(key: "b"), options: options)
                #expect(later == replies[0], "the original response, not a new one")
                _ = try await orders.place(.init(key: "c"), options: .init(idempotencyKey: "order-2"))
                // A method not declared keyed runs every time.
                _ = try await orders.plain(.init(key: "p"), options: options)
                _ = try await orders.plain(.init(key: "p"), options: options)
                #expect(service.placed.withLock { $0 } == 2)
                #expect(service.plain.withLock { $0 } == 2)
            }
        }
    }
}

/// Counts the calls its handlers run; `place` takes 100 ms so duplicates overlap.
private final class CountingOrders: Orders.ServiceProtocol, Sendable {
    let placed = Mutex(0)
    let plain = Mutex(0)

    func place(
        _ request: Zrpc_Test_Policy_PolicyRequest,
        context: ServerContext
    ) async throws -> Zrpc_Test_Policy_PolicyReply {
        let count = placed.withLock { value -> Int in
            value += 1
            return value
        }
        try await Task.sleep(for: .milliseconds(100))
        return .init(key: request.key, attempt: UInt32(count))
    }

    func plain(
        _ request: Zrpc_Test_Policy_PolicyRequest,
        context: ServerContext
    ) async throws -> Zrpc_Test_Policy_PolicyReply {
        plain.withLock { $0 += 1 }
        return .init(key: request.key)
    }

    func get(
        _ request: Zrpc_Test_Policy_PolicyRequest,
        context: ServerContext
    ) async throws -> Zrpc_Test_Policy_PolicyReply {
        .init(key: request.key)
    }

    func quote(
        _ request: Zrpc_Test_Policy_PolicyRequest,
        context: ServerContext
    ) async throws -> Zrpc_Test_Policy_PolicyReply {
        .init(key: request.key)
    }
}
