import Synchronization

/// Retries failed attempts of a call with exponential backoff and full jitter, inside the call's
/// one deadline, under a retry budget.
///
/// A failed attempt is retried only when all of these hold:
/// - its status is retryable (``Policy/retryableCodes``, UNAVAILABLE by default);
/// - the method is safe to repeat (`option idempotency_level` in the `.proto`, or
///   ``Policy/idempotentMethods``) — or the server provably never saw the attempt;
/// - attempts are left (``Policy/maxAttempts``) and the retry budget allows it;
/// - the wait (the backoff, or the server's `retryAfter` if longer) ends before the deadline.
///
/// Every attempt carries its attempt number and the same idempotency key (one is made when the
/// caller gave none), so a server can drop duplicates.
///
/// ```swift
/// let retry = RetryInterceptor(policy: .init(maxAttempts: 4, backoff: .init(initial: .milliseconds(20))))
/// let client = try await Client(configuration: .init(endpoints: endpoints, interceptors: [retry]))
/// ```
public final class RetryInterceptor: ClientInterceptor, Sendable {
    /// When and how often to retry.
    public struct Policy: Sendable {
        /// Attempts in all, the first included (≥ 1).
        public var maxAttempts: Int
        /// The wait between attempts.
        public var backoff: Backoff
        /// Statuses worth retrying.
        public var retryableCodes: Set<RPCError.Code>
        /// Methods (`service/method`) treated as idempotent whatever their `.proto` says.
        public var idempotentMethods: Set<String>
        /// Per-method attempt limits (`service/method` → attempts), before ``maxAttempts``.
        public var maxAttemptsByMethod: [String: Int]

        /// Creates a policy.
        ///
        /// - Parameters:
        ///   - maxAttempts: Attempts in all.
        ///   - backoff: The wait between attempts.
        ///   - retryableCodes: Statuses worth retrying.
        ///   - idempotentMethods: Extra methods safe to repeat.
        public init(
            maxAttempts: Int = 3,
            backoff: Backoff = Backoff(),
            retryableCodes: Set<RPCError.Code> = [.unavailable],
            idempotentMethods: Set<String> = []
        ) {
            self.maxAttempts = maxAttempts
            self.backoff = backoff
            self.retryableCodes = retryableCodes
            self.idempotentMethods = idempotentMethods
            self.maxAttemptsByMethod = [:]
        }

        func validate() throws {
            guard maxAttempts >= 1 else {
                throw ResilienceConfigurationError("retry maxAttempts must be ≥ 1, not \(maxAttempts)")
            }
            for (method, attempts) in maxAttemptsByMethod where attempts < 1 {
                throw ResilienceConfigurationError("retry maxAttempts for \(method) must be ≥ 1, not \(attempts)")
            }
            try backoff.validate()
        }
    }

    /// What a retry interceptor did, for tests and metrics.
    public struct Counters: Hashable, Sendable {
        /// Attempts sent (first attempts and retries).
        public var attempts = 0
        /// Retries sent.
        public var retries = 0
        /// Retries the budget refused.
        public var refusedByBudget = 0
    }

    /// The policy.
    public let policy: Policy
    private let state: Mutex<(random: SplitMixRandom, counters: Counters)>
    /// The budget, shared with the client's hedging layer when it has one.
    private let sharedBudget: SharedRetryBudget
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a retry interceptor.
    ///
    /// - Parameters:
    ///   - policy: When and how often to retry.
    ///   - budget: The token bucket shared by every call through this interceptor.
    ///   - seed: Seeds the jitter (tests); nil seeds from the system.
    ///   - sleep: How to wait (tests pass a manual clock's); `Task.sleep` by default.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid policy or budget.
    public convenience init(
        policy: Policy = Policy(),
        budget: RetryBudget = RetryBudget(),
        seed: UInt64? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        try self.init(policy: policy, sharedBudget: SharedRetryBudget(budget), seed: seed, sleep: sleep)
    }

    /// Creates a retry interceptor drawing from a budget it shares (with the client's hedging layer).
    ///
    /// - Parameters:
    ///   - policy: When and how often to retry.
    ///   - sharedBudget: The token bucket.
    ///   - seed: Seeds the jitter; nil seeds from the system.
    ///   - sleep: How to wait.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid policy.
    init(
        policy: Policy,
        sharedBudget: SharedRetryBudget,
        seed: UInt64? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        try policy.validate()
        self.policy = policy
        self.sharedBudget = sharedBudget
        self.state = Mutex((SplitMixRandom(seed: seed ?? UInt64.random(in: .min ... .max)), Counters()))
        self.sleep = sleep
    }

    /// What this interceptor has done so far.
    public var counters: Counters { state.withLock { $0.counters } }

    /// The retry budget now (shared with the client's hedging layer, if it has one).
    public var budget: RetryBudget { sharedBudget.value }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        guard !request.isStreaming else { return try await next(request) }  // a stream is sent once
        var attempt = request
        if attempt.idempotencyKey.isEmpty {
            attempt.idempotencyKey = state.withLock { $0.random.idempotencyKey() }
        }
        let safeToRetry =
            request.method.idempotency.isSafeToRetry || request.method.defaults.idempotencyKeyed
            || policy.idempotentMethods.contains(request.method.fullName)
        let maxAttempts = policy.maxAttemptsByMethod[request.method.fullName] ?? policy.maxAttempts
        while true {
            state.withLock { $0.counters.attempts += 1 }
            do {
                let response = try await next(attempt)
                sharedBudget.withLock { $0.recordSuccess() }
                return response
            } catch let error as RPCError {
                guard policy.retryableCodes.contains(error.code) else { throw error }
                let allowed = sharedBudget.withLock { budget -> Bool in
                    budget.recordFailure()
                    return budget.allowsRetry
                }
                let delay = state.withLock { state -> Duration? in
                    guard Int(attempt.attempt) < maxAttempts, safeToRetry || error.neverReachedServer else {
                        return nil
                    }
                    guard allowed else {
                        state.counters.refusedByBudget += 1
                        return nil
                    }
                    let backoff = policy.backoff.delay(forRetry: Int(attempt.attempt), using: &state.random)
                    return max(backoff, error.retryAfter ?? .zero)
                }
                guard let delay, ContinuousClock.now.advanced(by: delay) < request.deadline else { throw error }
                try await sleep(delay)
                state.withLock { $0.counters.retries += 1 }
                attempt.attempt += 1
            }
        }
    }
}

/// SplitMix64: small, fast, seedable (jitter needs no cryptographic randomness; the chaos and soak
/// tools repeat a run's choices from its seed).
package struct SplitMixRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A fresh idempotency key (128 random bits in hexadecimal), for a call whose caller gave none.
    mutating func idempotencyKey() -> String {
        String(next(), radix: 16) + String(next(), radix: 16)
    }
}
