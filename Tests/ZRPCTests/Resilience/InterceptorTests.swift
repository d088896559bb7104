import ConformanceMessages
import ConformanceServices
import Synchronization
import Testing

@testable import ZRPC

/// Retry, circuit breaker and bulkhead as client interceptors, against a real server.
@Suite("Resilience interceptors")
struct InterceptorTests {
    @Test("retries recover a transient failure of an idempotent method; attempts share one key")
    func retryRecovers() async throws {
        let retry = try RetryInterceptor(
            policy: .init(maxAttempts: 4, backoff: .init(initial: .milliseconds(1), maximum: .milliseconds(5))),
            seed: 1
        )
        try await withHarness(configureClient: { $0.interceptors = [retry] }) { harness in
            let reply = try await harness.stub.read(.init(text: "flaky", failUntilAttempt: 3))
            #expect(reply.attempt == 3)
            #expect(!reply.idempotencyKey.isEmpty)
            #expect(harness.events.events.filter { $0 == "started:flaky" }.count == 3)
            #expect(retry.counters.attempts == 3)
            #expect(retry.counters.retries == 2)
        }
    }

    @Test("a per-method attempt limit and a per-method timeout apply to that method only")
    func perMethodSettings() async throws {
        var policy = RetryInterceptor.Policy(maxAttempts: 2, backoff: .init(initial: .milliseconds(1)))
        policy.maxAttemptsByMethod = [TestRPC.Method.Read.descriptor.fullName: 4]
        let retry = try RetryInterceptor(policy: policy, seed: 1)
        try await withHarness(configureClient: {
            $0.interceptors = [retry]
            $0.methodTimeouts = [TestRPC.Method.Call.descriptor.fullName: .milliseconds(100)]
        }) { harness in
            #expect(try await harness.stub.read(.init(text: "four", failUntilAttempt: 4)).attempt == 4)
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await rpcError { try await harness.stub.call(.init(text: "slow", delayMillis: 5_000)) }
            #expect(error.code == .deadlineExceeded)
            #expect(clock.now - start < .seconds(2))
        }
    }

    @Test("the client honours the server's retry-after")
    func retryAfterPushback() async throws {
        let retry = try RetryInterceptor(
            policy: .init(maxAttempts: 3, backoff: .init(initial: .milliseconds(1), maximum: .milliseconds(1))),
            seed: 1
        )
        try await withHarness(configureClient: { $0.interceptors = [retry] }) { harness in
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await harness.stub.read(.init(text: "pushback", failUntilAttempt: 2, retryAfterMillis: 200))
            #expect(reply.attempt == 2)
            #expect(clock.now - start >= .milliseconds(200))
        }
    }

    @Test("a method not declared idempotent is not retried")
    func noRetryForUnsafeMethods() async throws {
        let retry = try RetryInterceptor(
            policy: .init(maxAttempts: 4, backoff: .init(initial: .milliseconds(1))),
            seed: 1
        )
        try await withHarness(configureClient: { $0.interceptors = [retry] }) { harness in
            let error = try await rpcError { try await harness.stub.call(.init(text: "once", failUntilAttempt: 3)) }
            #expect(error.code == .unavailable)
            #expect(harness.events.events.filter { $0 == "started:once" }.count == 1)
        }
    }

    @Test("with the service failing, the retry budget caps the load it sends")
    func retryBudgetCapsLoad() async throws {
        let retry = try RetryInterceptor(
            policy: .init(maxAttempts: 5, backoff: .init(initial: .milliseconds(1), maximum: .milliseconds(1))),
            budget: RetryBudget(maxTokens: 10, tokenRatio: 0.1),
            seed: 1
        )
        try await withHarness(configureClient: { $0.interceptors = [retry] }) { harness in
            let offered = 100
            for index in 0..<offered {
                _ = try? await harness.stub.read(.init(text: "down-\(index)", failUntilAttempt: 1_000))
            }
            let sent = retry.counters.attempts
            // Without a budget: 5 attempts per call = 500. The budget allows a handful of retries.
            #expect(sent >= offered)
            #expect(sent <= offered + 10, "sent \(sent) attempts for \(offered) calls")
            #expect(retry.counters.refusedByBudget > 0)
        }
    }

    @Test("the breaker opens, fails fast without traffic, probes and closes")
    func breakerLifecycle() async throws {
        let clock = TestClock()
        let transitions = Mutex<[String]>([])
        let breaker = try CircuitBreakerInterceptor(
            policy: .init(
                failureRateThreshold: 0.5,
                minimumCalls: 4,
                window: .count(4),
                openDuration: .seconds(30),
                halfOpenProbes: 2
            ),
            now: { clock.now },
            onTransition: { transition in
                transitions.withLock { $0.append("\(transition.to)".components(separatedBy: "(").first ?? "") }
            }
        )
        try await withHarness(configureClient: { $0.interceptors = [breaker] }) { harness in
            for index in 0..<4 {
                _ = try? await harness.stub.call(
                    .init(text: "fail-\(index)", failCode: RPCError.Code.unavailable.rawValue)
                )
            }
            #expect(transitions.withLock { $0 } == ["open"])
            let seenBefore = harness.events.events.count
            for index in 0..<10 {
                let error = try await rpcError { try await harness.stub.call(.init(text: "fast-\(index)")) }
                #expect(error.code == .unavailable)
                #expect(error.message.contains("circuit open"))
            }
            #expect(harness.events.events.count == seenBefore, "an open breaker sends nothing")

            clock.advance(by: .seconds(31))
            #expect(try await harness.stub.call(.init(text: "probe-1")).text == "probe-1")
            #expect(try await harness.stub.call(.init(text: "probe-2")).text == "probe-2")
            #expect(transitions.withLock { $0 } == ["open", "closed"])
            #expect(breaker.state == .closed)
        }
    }

    @Test("a full bulkhead answers RESOURCE_EXHAUSTED at once; a queued call waits at most maxWait")
    func bulkhead() async throws {
        let queue = EventRecorder()
        let bulkhead = try BulkheadInterceptor(
            policy: .init(maxConcurrentCalls: 2, maxQueuedCalls: 1, maxWait: .milliseconds(150)),
            now: { .now },
            sleep: { try await Task.sleep(for: $0) },
            queueChanged: { queue.record("queued:\($0)") }
        )
        try await withHarness(configureClient: { $0.interceptors = [bulkhead] }) { harness in
            async let first = harness.stub.call(.init(text: "a", gate: "hold"))
            async let second = harness.stub.call(.init(text: "b", gate: "hold"))
            #expect(await harness.events.wait(for: "started:a"))
            #expect(await harness.events.wait(for: "started:b"))
            let clock = ContinuousClock()
            let queuedStart = clock.now
            async let queued = rpcError { try await harness.stub.call(.init(text: "c")) }
            #expect(await queue.wait(for: "queued:1"))
            let rejected = try await rpcError { try await harness.stub.call(.init(text: "d")) }
            #expect(rejected.code == .resourceExhausted)
            let timedOut = try await queued
            #expect(timedOut.code == .resourceExhausted)
            #expect(clock.now - queuedStart >= .milliseconds(150))
            harness.gates.open("hold")
            _ = try await (first, second)
            #expect(bulkhead.load == (0, 0))
            #expect(try await harness.stub.call(.init(text: "e")).text == "e")
            #expect(!harness.events.contains("started:c"))
            #expect(!harness.events.contains("started:d"))
        }
    }
}

@Suite("Resilience by configuration")
struct ResilienceConfigurationTests {
    @Test("a generated stub gets the configured layers, in order")
    func layersFromConfiguration() async throws {
        try await withHarness(configureClient: { configuration in
            configuration.resilience.retry = .init(maxAttempts: 3, backoff: .init(initial: .milliseconds(1)))
            configuration.resilience.circuitBreaker = .init(minimumCalls: 50, window: .count(50))
            configuration.resilience.bulkhead = .init(maxConcurrentCalls: 4, maxQueuedCalls: 4)
            configuration.resilience.cache = .init(methods: [TestRPC.Method.Read.descriptor])
        }) { harness in
            let layers = harness.client.resilience
            #expect(
                layers.retry != nil && layers.circuitBreaker != nil && layers.bulkhead != nil && layers.cache != nil
            )
            #expect(layers.fallback == nil)
            let reply = try await harness.stub.read(.init(text: "configured", failUntilAttempt: 2))
            #expect(reply.attempt == 2)  // retried by the configured layer
            _ = try await harness.stub.read(.init(text: "configured", failUntilAttempt: 2))
            #expect(layers.cache?.fetches == 1)  // the second read was a cache hit
            #expect(layers.retry?.counters.attempts == 2)  // the cache sits outside the retry layer
            #expect(layers.circuitBreaker?.state == .closed)
        }
    }

    @Test("an invalid setting is a clear error when the client is made")
    func invalidConfiguration() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        configuration.resilience.retry = .init(maxAttempts: 0)
        let error = try #require(throws: ResilienceConfigurationError.self) {
            _ = try Client(configuration: configuration)
        }
        #expect(error.message.contains("maxAttempts"))
        configuration.resilience.retry = nil
        configuration.resilience.order = [.retry, .retry, .cache, .fallback, .bulkhead]
        #expect(throws: ResilienceConfigurationError.self) { _ = try Client(configuration: configuration) }
    }
}

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current = Mutex(ContinuousClock.now)

    var now: ContinuousClock.Instant { current.withLock { $0 } }

    func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }
}
