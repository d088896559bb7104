import Foundation
import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC
import ZRPCTestKit

/// Hedging configured on a real client, against a server in this process: the losing attempt's
/// CANCEL reaches the server, hedged and retried methods share one budget, and the deadline holds.
@Suite("Hedging by configuration")
struct HedgingClientTests {
    /// ``TestService`` whose `Read` holds attempt 1 at the gate `first` (recording
    /// `first:<text>`, and `cancelled:<text>` if it is cancelled there); later attempts answer at once.
    struct SlowFirstAttempt: TestRPC.ServiceProtocol {
        let inner: TestService

        func read(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
            if context.attempt == 1 {
                inner.events.record("first:\(request.text)")
                do {
                    try await inner.gates.wait("first")
                } catch {
                    inner.events.record("cancelled:\(request.text)")
                    throw error
                }
            }
            return try await inner.read(request, context: context)
        }

        func call(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
            try await inner.call(request, context: context)
        }

        func relay(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
            try await inner.relay(request, context: context)
        }

        func measure(
            _ request: Zrpc_Test_Rpc_GroveRequest,
            context: ServerContext
        ) async throws -> Zrpc_Test_Rpc_GroveReply {
            try await inner.measure(request, context: context)
        }
    }

    @Test("a hedge answers for a stuck first attempt, whose handler the CANCEL frame stops")
    func hedgeWinsAndCancels() async throws {
        try await withHarness(
            configureClient: {
                $0.resilience.hedging = .init(maxAttempts: 2, hedgingDelay: .milliseconds(20))
            },
            services: { [SlowFirstAttempt(inner: TestService(events: $0, gates: $1))] }
        ) { harness in
            let reply = try await harness.stub.read(.init(text: "stuck"))
            #expect(reply.attempt == 2)
            #expect(!reply.idempotencyKey.isEmpty)
            #expect(harness.events.contains("first:stuck"))
            #expect(await harness.events.wait(for: "cancelled:stuck"), "the server stopped the losing attempt")
            let hedging = try #require(harness.client.resilience.hedging)
            #expect(hedging.counters.hedges == 1)
            #expect(hedging.counters.answeredByHedge == 1)
        }
    }

    @Test("with retries and hedging both configured, reads are hedged and calls retried, from one budget")
    func hedgedOrRetried() async throws {
        try await withHarness(
            configureClient: {
                $0.resilience.retry = .init(maxAttempts: 3, backoff: .init(initial: .milliseconds(1)))
                $0.resilience.hedging = .init(maxAttempts: 2, hedgingDelay: .milliseconds(20))
                $0.resilience.retryBudget = RetryBudget(maxTokens: 10, tokenRatio: 0.5)
            },
            services: { [SlowFirstAttempt(inner: TestService(events: $0, gates: $1))] }
        ) { harness in
            let layers = harness.client.resilience
            let retry = try #require(layers.retry)
            let hedging = try #require(layers.hedging)
            #expect(try await harness.stub.read(.init(text: "hedged")).attempt == 2)
            #expect(retry.counters.attempts == 0, "a hedged read does not go through the retry layer")
            #expect(hedging.budget.tokens == 9.5, "the hedge took a token, the success gave half back")
            // `Call` is not idempotent: not hedged; it goes to the retry layer (which does not
            // retry it either, for the same reason).
            let error = try await rpcError { try await harness.stub.call(.init(text: "once", failUntilAttempt: 2)) }
            #expect(error.code == .unavailable)
            #expect(retry.counters.attempts == 1)
            #expect(hedging.counters.calls == 1)
            #expect(retry.budget == hedging.budget, "one budget")
            #expect(retry.budget.tokens == 8.5)
        }
    }

    @Test("a streaming call is never hedged: a stream is sent once")
    func streamsPassThrough() async throws {
        let ticks = Zrpc_Testkit_Streams.Method.Ticks.descriptor
        try await withHarness(
            configureClient: {
                $0.resilience.hedging = .init(
                    maxAttempts: 3,
                    hedgingDelay: .milliseconds(1),
                    idempotentMethods: [ticks.fullName]
                )
            },
            services: { _, _ in [StreamService()] }
        ) { harness in
            let hedging = try #require(harness.client.resilience.hedging)
            #expect(!hedging.hedges(ticks))
            let streams = Zrpc_Testkit_Streams.Client(wrapping: harness.client)
            let count = try await streams.ticks(.init(count: 50)) { try await $0.reduce(0) { count, _ in count + 1 } }
            #expect(count == 50)
            #expect(hedging.counters.calls == 0)
            #expect(hedging.counters.attempts == 0)
        }
    }

    @Test("the call's deadline ends every attempt: the hedge in flight ends with the first")
    func deadline() async throws {
        try await withHarness(
            configureClient: {
                $0.resilience.hedging = .init(maxAttempts: 2, hedgingDelay: .milliseconds(20))
            },
            services: { [SlowFirstAttempt(inner: TestService(events: $0, gates: $1))] }
        ) { harness in
            let clock = ContinuousClock()
            let start = clock.now
            // Attempt 1 waits at the gate `first`, the hedge at `never`: neither answers. The
            // deadline leaves the hedge ample time to start on a loaded machine (a 1 s deadline
            // once passed before a 20 ms timer fired, in the full suite under ASan; a 3 s one too,
            // when the whole ASan suite held this process back for seconds).
            let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
            let timeout: Duration = .seconds(sanitized ? 15 : 3)
            async let failure = rpcError {
                try await harness.stub.read(.init(text: "hang", gate: "never"), options: .init(timeout: timeout))
            }
            #expect(await harness.events.wait(for: "started:hang"), "the hedge reached the server")
            let error = try await failure
            let elapsed = clock.now - start
            #expect(error.code == .deadlineExceeded)
            #expect(elapsed >= timeout)
            #expect(elapsed < timeout * 3, "took \(elapsed)")
            #expect(harness.client.resilience.hedging?.counters.attempts == 2)
            #expect(await harness.events.wait(for: "cancelled:hang"), "the server ended the handlers too")
        }
    }
}
