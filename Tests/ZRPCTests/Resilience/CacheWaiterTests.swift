import Synchronization
import Testing

@testable import ZRPC

/// Callers waiting on the response cache for another caller's fetch: their own cancellation, and
/// the fetching caller's.
@Suite("Cache waiters")
struct CacheWaiterTests {
    static let method = MethodDescriptor(service: "test.Cache", method: "Get", idempotency: .noSideEffects)

    func request() throws -> ClientRequest {
        ClientRequest(
            method: Self.method,
            payload: try SerializedMessage(bytes: [1, 2, 3]),
            metadata: [:],
            deadline: .now.advanced(by: .seconds(30)),
            attempt: 1,
            idempotencyKey: ""
        )
    }

    /// A fake transport: records `fetch:<n>` and, for the fetches listed in `holding`, waits for
    /// the gate `answer:<n>` (cancellable) before answering.
    func transport(
        events: EventRecorder,
        gates: Gates,
        holding: Set<Int>
    ) -> @Sendable (ClientRequest) async throws -> ClientResponse {
        let fetches = Mutex(0)
        return { _ in
            let number = fetches.withLock {
                $0 += 1
                return $0
            }
            events.record("fetch:\(number)")
            if holding.contains(number) { try await gates.wait("answer:\(number)") }
            return ClientResponse(payload: try SerializedMessage(bytes: [UInt8(number)]), metadata: [:])
        }
    }

    /// A cache of ``method`` that records `waiting:<n>` whenever the number of waiting callers changes.
    func cache(events: EventRecorder) throws -> CacheInterceptor {
        try CacheInterceptor(
            methods: [Self.method],
            timeToLive: .seconds(30),
            maxEntries: 100,
            staleIfErrorFor: nil,
            staleOn: [.unavailable],
            now: { .now },
            waitingChanged: { events.record("waiting:\($0)") }
        )
    }

    @Test("a waiting caller that is cancelled stops waiting at once; the fetch goes on")
    func waiterCancelled() async throws {
        let events = EventRecorder()
        let gates = Gates()
        let cache = try cache(events: events)
        let next = transport(events: events, gates: gates, holding: [1])
        let request = try request()
        let leader = Task { try await cache.intercept(request, next: next) }
        #expect(await events.wait(for: "fetch:1"))
        let waiter = Task { try await cache.intercept(request, next: next) }
        #expect(await events.wait(for: "waiting:1"))
        waiter.cancel()
        let cancelled = await outcome(of: waiter, within: .seconds(5))
        #expect(cancelled != nil, "the cancelled waiter still waits for the fetch")
        if case .failure(let error as RPCError)? = cancelled {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected CANCELLED, got \(String(describing: cancelled))")
        }
        #expect(cache.waiting == 0)
        gates.open("answer:1")
        #expect(try await outcome(of: leader, within: .seconds(5))?.get().payload.bytes == [1])
        #expect(cache.fetches == 1)
    }

    @Test("when the fetching caller is cancelled, a waiting caller takes over and makes the call")
    func leaderCancelled() async throws {
        let events = EventRecorder()
        let gates = Gates()
        let cache = try cache(events: events)
        let next = transport(events: events, gates: gates, holding: [1])
        let request = try request()
        let leader = Task { try await cache.intercept(request, next: next) }
        #expect(await events.wait(for: "fetch:1"))
        let first = Task { try await cache.intercept(request, next: next) }
        let second = Task { try await cache.intercept(request, next: next) }
        #expect(await events.wait(for: "waiting:2"))
        leader.cancel()
        let leaderOutcome = await outcome(of: leader, within: .seconds(5))
        #expect(leaderOutcome != nil)
        #expect(throws: (any Error).self) { try leaderOutcome?.get() }
        let firstOutcome = await outcome(of: first, within: .seconds(5))
        let secondOutcome = await outcome(of: second, within: .seconds(5))
        #expect(try firstOutcome?.get().payload.bytes == [2])
        #expect(try secondOutcome?.get().payload.bytes == [2])
        #expect(cache.fetches == 2)
        #expect(events.contains("fetch:2") && !events.contains("fetch:3"))
    }
}
