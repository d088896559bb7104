import Synchronization

/// Hedges calls of methods safe to repeat: when an attempt has not answered within
/// ``Policy/hedgingDelay``, another starts beside it (up to ``Policy/maxAttempts`` in all); the
/// first answer wins and the attempts still running are cancelled (their CANCEL frames tell the
/// servers to stop). It cuts the tail latency a slow server or a slow moment adds, at the price of
/// some extra load, which the retry budget bounds.
///
/// A call is hedged only when all of these hold:
/// - the method is safe to repeat: `option idempotency_level = IDEMPOTENT` or `NO_SIDE_EFFECTS`
///   in the `.proto`, declared idempotency-keyed there (`(zrpc.method_policy).idempotency_keyed`:
///   its server honours the key), or listed in ``Policy/idempotentMethods``. A key the caller
///   passes is not enough by itself: hedged attempts run at the same time, possibly on different
///   servers, so the server must drop a duplicate that arrives while the first is still running,
///   which only the method's declaration can promise;
/// - it may make more than one attempt (``Policy/maxAttempts``, ``Policy/maxAttemptsByMethod``).
///
/// Every further attempt starts only before the call's deadline (each carries the same deadline),
/// and only while the retry budget allows a retry; sending it takes a token. A failure with a
/// status in ``Policy/nonFatalCodes`` starts the next attempt at once (or after the server's
/// `retryAfter`); any other status ends the call as a success does. Every attempt carries its
/// attempt number (1, 2, …) and the same idempotency key (one is made when the caller gave none).
/// Calls not hedged go to `next` untouched, streaming calls among them (a stream is sent once).
///
/// A ``Client`` configured with ``ResiliencePolicy/hedging`` puts it in the retry layer's place: a
/// method is hedged or retried, never both (as in gRPC), and retries and hedges share one budget.
///
/// ```swift
/// let hedging = try HedgingInterceptor(policy: .init(maxAttempts: 3, hedgingDelay: .milliseconds(20)))
/// let client = try Client(configuration: .init(endpoints: endpoints, interceptors: [hedging]))
/// hedging.counters.hedges        // hedged attempts sent so far
/// ```
public final class HedgingInterceptor: ClientInterceptor, Sendable {
    /// The policy.
    public let policy: Policy
    private let state: Mutex<(random: SplitMixRandom, counters: Counters)>
    /// The budget, shared with the client's retry layer when it has one.
    private let sharedBudget: SharedRetryBudget
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a hedging interceptor.
    ///
    /// ```swift
    /// let clock = ManualClock()
    /// let hedging = try HedgingInterceptor(policy: .init(hedgingDelay: .milliseconds(50)),
    ///                                      now: { clock.now }, sleep: { await clock.sleep(for: $0) })
    /// ```
    ///
    /// - Parameters:
    ///   - policy: When to hedge and how often.
    ///   - budget: The token bucket shared by every call through this interceptor.
    ///   - seed: Seeds the idempotency keys it makes (tests); nil seeds from the system.
    ///   - now: The clock the deadline is read on (tests pass a manual one).
    ///   - sleep: How the hedging delay is waited, in `now`'s time; `Task.sleep` by default.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid policy or budget.
    public convenience init(
        policy: Policy = Policy(),
        budget: RetryBudget = RetryBudget(),
        seed: UInt64? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        try self.init(policy: policy, sharedBudget: SharedRetryBudget(budget), seed: seed, now: now, sleep: sleep)
    }

    /// Creates a hedging interceptor drawing from a budget it shares (with the client's retry layer).
    ///
    /// - Parameters:
    ///   - policy: When to hedge and how often.
    ///   - sharedBudget: The token bucket.
    ///   - seed: Seeds the idempotency keys; nil seeds from the system.
    ///   - now: The clock.
    ///   - sleep: How the hedging delay is waited.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid policy.
    init(
        policy: Policy,
        sharedBudget: SharedRetryBudget,
        seed: UInt64? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        try policy.validate()
        self.policy = policy
        self.sharedBudget = sharedBudget
        self.state = Mutex((SplitMixRandom(seed: seed ?? UInt64.random(in: .min ... .max)), Counters()))
        self.now = now
        self.sleep = sleep
    }

    /// What this interceptor has done so far.
    public var counters: Counters { state.withLock { $0.counters } }

    /// The retry budget now (shared with the client's retry layer, if it has one).
    public var budget: RetryBudget { sharedBudget.value }

    /// Whether calls of `method` are hedged: it is unary, safe to repeat and may make more than one
    /// attempt.
    ///
    /// - Parameter method: The method.
    public func hedges(_ method: MethodDescriptor) -> Bool {
        policy.attempts(for: method) > 1
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        let maxAttempts = policy.attempts(for: request.method)
        guard maxAttempts > 1, !request.isStreaming else { return try await next(request) }  // a stream is sent once
        return try await hedge(request, maxAttempts: maxAttempts, next: next)
    }

    /// Hedges a call of a method that may make `maxAttempts` (> 1) attempts.
    ///
    /// - Parameters:
    ///   - request: The call.
    ///   - maxAttempts: ``Policy/attempts(for:)`` for its method.
    ///   - next: The rest of the chain, called once per attempt.
    /// - Returns: The first success, unless a fatal failure came first.
    func hedge(
        _ request: ClientRequest,
        maxAttempts: Int,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        var first = request
        state.withLock { state in
            state.counters.calls += 1
            if first.idempotencyKey.isEmpty { first.idempotencyKey = state.random.idempotencyKey() }
        }
        // The attempts run as child tasks of a task group, which waits for every one of them
        // before it returns: `next` is not used after this call.
        return try await withoutActuallyEscaping(next) { next in
            try await race(first, maxAttempts: maxAttempts, next: next).get()
        }
    }

    /// What a child task of a hedged call reports.
    private enum Event: Sendable {
        /// Attempt `attempt` ended.
        case ended(attempt: Int, Result<ClientResponse, any Error>)
        /// The hedging timer armed with `generation` fired.
        case timerFired(generation: UInt64)
        /// A timer was cancelled (the call is over, or its caller was cancelled).
        case timerCancelled
    }

    /// Runs the attempts of one call as child tasks, as ``HedgedCall`` says, and returns the
    /// outcome of the attempt that ended the call.
    private func race(
        _ request: ClientRequest,
        maxAttempts: Int,
        next: @escaping @Sendable (ClientRequest) async throws -> ClientResponse
    ) async -> Result<ClientResponse, any Error> {
        await withTaskGroup(of: Event.self) { group in
            var call = HedgedCall(
                maxAttempts: maxAttempts,
                delay: policy.delay(for: request.method),
                deadline: request.deadline
            )
            let startTime = now()
            var step = sharedBudget.withLock { call.start(now: startTime, budget: &$0) }
            // Replaced by the first attempt's outcome before any step can finish the call.
            var outcome: Result<ClientResponse, any Error> = .failure(
                RPCError(code: .internal, message: "the hedged call ended before any attempt did")
            )
            var answeredBy = 0
            while true {
                record(step, answeredBy: answeredBy)
                if step.finish != nil {
                    group.cancelAll()
                    return outcome
                }
                if let number = step.send {
                    var attempt = request
                    attempt.attempt = request.attempt &+ UInt32(clamping: number - 1)
                    group.addTask {
                        do {
                            return .ended(attempt: number, .success(try await next(attempt)))
                        } catch {
                            return .ended(attempt: number, .failure(error))
                        }
                    }
                }
                if let timer = step.arm {
                    group.addTask {
                        try? await self.sleep(timer.delay)
                        return Task.isCancelled ? .timerCancelled : .timerFired(generation: timer.generation)
                    }
                }
                // Every child has ended and none finished the call: the caller was cancelled while
                // only a timer ran (a server's retry-after); the last failure stands.
                guard let event = await group.next() else { return outcome }
                answeredBy = 0
                let eventTime = now()
                switch event {
                case .timerFired(let generation):
                    step = sharedBudget.withLock {
                        call.timerFired(generation: generation, now: eventTime, budget: &$0)
                    }
                case .timerCancelled:
                    step = HedgedCall.Step()
                case .ended(let number, let result):
                    outcome = result
                    step = sharedBudget.withLock { budget in
                        switch result {
                        case .success:
                            answeredBy = number
                            return call.succeeded(budget: &budget)
                        case .failure(let error):
                            let status = error as? RPCError
                            let fatal = status.map { !policy.nonFatalCodes.contains($0.code) } ?? true
                            return call.failed(
                                fatal: fatal,
                                retryAfter: status?.retryAfter,
                                now: eventTime,
                                budget: &budget
                            )
                        }
                    }
                }
            }
        }
    }

    /// Counts what `step` does; `answeredBy` is the attempt whose success it follows (0: none).
    private func record(_ step: HedgedCall.Step, answeredBy: Int) {
        state.withLock { state in
            if let number = step.send {
                state.counters.attempts += 1
                if number > 1 { state.counters.hedges += 1 }
            }
            if step.refusedByBudget { state.counters.refusedByBudget += 1 }
            if let finish = step.finish {
                state.counters.cancelled += finish.cancelled
                if answeredBy > 1 { state.counters.answeredByHedge += 1 }
            }
        }
    }
}
