import Testing

@testable import ZRPC

/// The resilience state machines, driven by explicit instants: exact transitions, no sleeps.
@Suite("Resilience state machines")
struct StateMachineTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(milliseconds))
    }

    // MARK: Backoff

    @Test("backoff ceilings grow by the multiplier up to the maximum")
    func backoffCeilings() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2)
        #expect(
            (1...6).map { backoff.ceiling(forRetry: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                .seconds(1),
            ]
        )
    }

    @Test("full jitter stays within the ceiling and spreads across it")
    func backoffJitter() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2)
        var random = SplitMixRandom(seed: 1)
        let delays = (0..<1_000).map { _ in backoff.delay(forRetry: 3, using: &random) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(400) })
        #expect(delays.contains { $0 < .milliseconds(100) })
        #expect(delays.contains { $0 > .milliseconds(300) })
    }

    @Test("an invalid backoff is a configuration error")
    func backoffValidation() {
        #expect(throws: ResilienceConfigurationError.self) { try Backoff(initial: .zero).validate() }
        #expect(throws: ResilienceConfigurationError.self) {
            try Backoff(initial: .seconds(2), maximum: .seconds(1)).validate()
        }
        #expect(throws: ResilienceConfigurationError.self) { try Backoff(multiplier: 0.5).validate() }
    }

    // MARK: Retry budget

    @Test("the retry budget stops retries after failures and recovers with successes")
    func retryBudget() {
        var budget = RetryBudget(maxTokens: 10, tokenRatio: 0.5)
        #expect(budget.allowsRetry)
        for _ in 0..<5 { budget.recordFailure() }
        #expect(budget.tokens == 5)
        #expect(!budget.allowsRetry)  // tokens must be above half
        budget.recordSuccess()
        #expect(budget.tokens == 5.5)
        #expect(budget.allowsRetry)
        for _ in 0..<100 { budget.recordFailure() }
        #expect(budget.tokens == 0)
        for _ in 0..<100 { budget.recordSuccess() }
        #expect(budget.tokens == 10)
    }

    // MARK: Circuit breaker

    @Test("the breaker opens at the failure rate once the window has the minimum calls")
    func breakerOpens() {
        var breaker = CircuitBreaker(
            policy: .init(failureRateThreshold: 0.5, minimumCalls: 4, window: .count(4), openDuration: .seconds(5))
        )
        #expect(breaker.record(.failure, duration: .milliseconds(1), now: at(0)) == nil)
        #expect(breaker.record(.failure, duration: .milliseconds(1), now: at(1)) == nil)
        #expect(breaker.record(.success, duration: .milliseconds(1), now: at(2)) == nil)
        let transition = breaker.record(.success, duration: .milliseconds(1), now: at(3))
        #expect(transition == .init(from: .closed, to: .open(until: at(5_003))))
        #expect(breaker.acquire(now: at(4)) == .rejected(retryAt: at(5_003)))
        #expect(breaker.acquire(now: at(5_002)) == .rejected(retryAt: at(5_003)))
    }

    @Test("below the minimum number of calls the breaker stays closed")
    func breakerMinimumCalls() {
        var breaker = CircuitBreaker(policy: .init(minimumCalls: 5, window: .count(10)))
        for index in 0..<4 {
            #expect(breaker.record(.failure, duration: .zero, now: at(index)) == nil)
        }
        #expect(breaker.state == .closed)
        #expect(breaker.record(.failure, duration: .zero, now: at(5)) != nil)
    }

    @Test("half-open lets the probes through and closes when they succeed")
    func breakerRecovers() {
        var breaker = CircuitBreaker(
            policy: .init(minimumCalls: 1, window: .count(1), openDuration: .seconds(1), halfOpenProbes: 2)
        )
        breaker.record(.failure, duration: .zero, now: at(0))
        #expect(breaker.acquire(now: at(1_000)) == .allowed)  // first probe: half-open
        #expect(breaker.acquire(now: at(1_001)) == .allowed)  // second probe
        #expect(breaker.acquire(now: at(1_002)) == .rejected(retryAt: nil))  // probes used up
        #expect(breaker.record(.success, duration: .zero, now: at(1_010)) == nil)
        #expect(
            breaker.record(.success, duration: .zero, now: at(1_020))
                == .init(from: .halfOpen(probesLeft: 0, succeeded: 1), to: .closed)
        )
        #expect(breaker.acquire(now: at(1_021)) == .allowed)
    }

    @Test("a failed probe opens the breaker again")
    func breakerReopens() {
        var breaker = CircuitBreaker(
            policy: .init(minimumCalls: 1, window: .count(1), openDuration: .seconds(1), halfOpenProbes: 3)
        )
        breaker.record(.failure, duration: .zero, now: at(0))
        #expect(breaker.acquire(now: at(1_500)) == .allowed)
        let transition = breaker.record(.failure, duration: .zero, now: at(1_600))
        #expect(transition?.to == .open(until: at(2_600)))
    }

    @Test("slow calls open the breaker even when they succeed")
    func breakerSlowCalls() {
        var breaker = CircuitBreaker(
            policy: .init(
                failureRateThreshold: 1.0,
                slowCallRateThreshold: 0.5,
                slowCallDuration: .milliseconds(200),
                minimumCalls: 2,
                window: .count(2)
            )
        )
        breaker.record(.success, duration: .milliseconds(10), now: at(0))
        let transition = breaker.record(.success, duration: .milliseconds(300), now: at(300))
        #expect(transition?.to == .open(until: at(300).advanced(by: .seconds(5))))
    }

    @Test("a time window forgets old calls")
    func breakerTimeWindow() {
        var breaker = CircuitBreaker(
            policy: .init(failureRateThreshold: 0.5, minimumCalls: 3, window: .time(.seconds(1)))
        )
        breaker.record(.failure, duration: .zero, now: at(0))
        breaker.record(.failure, duration: .zero, now: at(100))
        // Two seconds later the old failures are outside the window: 1 failure in 1 call < minimum.
        #expect(breaker.record(.failure, duration: .zero, now: at(2_100)) == nil)
        #expect(breaker.rates(now: at(2_100)).calls == 1)
        #expect(breaker.record(.success, duration: .zero, now: at(2_200)) == nil)
        #expect(breaker.record(.failure, duration: .zero, now: at(2_300)) != nil)  // 2 of 3 failed
    }

    @Test("an invalid breaker policy is a configuration error")
    func breakerValidation() {
        #expect(throws: ResilienceConfigurationError.self) {
            try CircuitBreaker.Policy(failureRateThreshold: 1.5).validate()
        }
        #expect(throws: ResilienceConfigurationError.self) {
            try CircuitBreaker.Policy(minimumCalls: 10, window: .count(5)).validate()
        }
        #expect(throws: ResilienceConfigurationError.self) { try CircuitBreaker.Policy(halfOpenProbes: 0).validate() }
    }

    // MARK: Bulkhead

    @Test("the bulkhead grants, queues in order, rejects, and hands permits on")
    func bulkhead() {
        var bulkhead = Bulkhead(policy: .init(maxConcurrentCalls: 2, maxQueuedCalls: 2))
        #expect(bulkhead.acquire(1) == .granted)
        #expect(bulkhead.acquire(2) == .granted)
        #expect(bulkhead.acquire(3) == .queued)
        #expect(bulkhead.acquire(4) == .queued)
        #expect(bulkhead.acquire(5) == .rejected)
        #expect(bulkhead.release() == 3)
        let abandoned = bulkhead.abandon(4)
        let abandonedTwice = bulkhead.abandon(4)
        #expect(abandoned)
        #expect(!abandonedTwice)
        #expect(bulkhead.queued == 0)
        #expect(bulkhead.release() == nil)
        #expect(bulkhead.active == 1)
        #expect(bulkhead.acquire(6) == .granted)
        #expect(bulkhead.active == 2)
    }
}
