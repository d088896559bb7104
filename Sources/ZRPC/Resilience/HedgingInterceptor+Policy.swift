extension HedgingInterceptor {
    /// When to hedge, how often, and which failures end a call.
    ///
    /// ```swift
    /// var policy = HedgingInterceptor.Policy(maxAttempts: 3, hedgingDelay: .milliseconds(20))
    /// policy.maxAttemptsByMethod["orders.Orders/Export"] = 1      // never hedged (retried instead)
    /// policy.hedgingDelayByMethod["orders.Orders/Search"] = .milliseconds(80)
    /// ```
    public struct Policy: Sendable {
        /// Attempts in all, the first included (≥ 1; 1 sends no hedge).
        public var maxAttempts: Int
        /// How long an attempt runs before the next one starts (≥ 0; zero starts them all at
        /// once). About the method's 95th percentile latency is a good start.
        public var hedgingDelay: Duration
        /// Statuses that do not end the call: the next attempt starts at once, and the call fails
        /// only when every attempt has. Any other status is fatal (gRPC's term): the first attempt
        /// to end with one ends the call with it, as a success does.
        public var nonFatalCodes: Set<RPCError.Code>
        /// Methods (`service/method`) hedged whatever their `.proto` says about idempotency.
        public var idempotentMethods: Set<String>
        /// Per-method attempt limits (`service/method` → attempts), before ``maxAttempts``; 1
        /// turns hedging off for that method.
        public var maxAttemptsByMethod: [String: Int]
        /// Per-method hedging delays (`service/method` → delay), before ``hedgingDelay``.
        public var hedgingDelayByMethod: [String: Duration]

        /// Creates a policy.
        ///
        /// - Parameters:
        ///   - maxAttempts: Attempts in all.
        ///   - hedgingDelay: The wait before each further attempt.
        ///   - nonFatalCodes: Statuses after which the other attempts go on.
        ///   - idempotentMethods: Extra methods safe to hedge.
        public init(
            maxAttempts: Int = 2,
            hedgingDelay: Duration = .milliseconds(100),
            nonFatalCodes: Set<RPCError.Code> = [.unavailable],
            idempotentMethods: Set<String> = []
        ) {
            self.maxAttempts = maxAttempts
            self.hedgingDelay = hedgingDelay
            self.nonFatalCodes = nonFatalCodes
            self.idempotentMethods = idempotentMethods
            self.maxAttemptsByMethod = [:]
            self.hedgingDelayByMethod = [:]
        }

        /// The attempts a call of `method` may make: 1 when it is not hedged (a stream, not safe
        /// to repeat, or limited to one attempt).
        ///
        /// Safe to repeat: `NO_SIDE_EFFECTS` or `IDEMPOTENT` in the `.proto`, declared
        /// idempotency-keyed there (the server honours the key, duplicates in flight included),
        /// or listed in ``idempotentMethods``.
        ///
        /// - Parameter method: The method called.
        func attempts(for method: MethodDescriptor) -> Int {
            guard !method.kind.isStreaming else { return 1 }
            // Checks the lists only when there are any: `fullName` builds a string.
            let listed = !idempotentMethods.isEmpty && idempotentMethods.contains(method.fullName)
            guard method.idempotency.isSafeToRetry || method.defaults.idempotencyKeyed || listed else { return 1 }
            return maxAttemptsByMethod.isEmpty ? maxAttempts : maxAttemptsByMethod[method.fullName] ?? maxAttempts
        }

        /// The hedging delay of a call of `method`.
        ///
        /// - Parameter method: The method called.
        func delay(for method: MethodDescriptor) -> Duration {
            hedgingDelayByMethod.isEmpty ? hedgingDelay : hedgingDelayByMethod[method.fullName] ?? hedgingDelay
        }

        func validate() throws {
            guard maxAttempts >= 1 else {
                throw ResilienceConfigurationError("hedging maxAttempts must be ≥ 1, not \(maxAttempts)")
            }
            guard hedgingDelay >= .zero else {
                throw ResilienceConfigurationError("hedging delay must not be negative, not \(hedgingDelay)")
            }
            for (method, attempts) in maxAttemptsByMethod where attempts < 1 {
                throw ResilienceConfigurationError("hedging maxAttempts for \(method) must be ≥ 1, not \(attempts)")
            }
            for (method, delay) in hedgingDelayByMethod where delay < .zero {
                throw ResilienceConfigurationError("hedging delay for \(method) must not be negative, not \(delay)")
            }
        }
    }

    /// What a hedging interceptor did, for tests and metrics.
    public struct Counters: Hashable, Sendable {
        /// Calls hedging applied to (methods safe to repeat, with more than one attempt).
        public var calls = 0
        /// Attempts sent for them (first attempts and hedges).
        public var attempts = 0
        /// Hedged attempts sent: every attempt after a call's first.
        public var hedges = 0
        /// Calls answered by a hedge rather than by their first attempt.
        public var answeredByHedge = 0
        /// Attempts cancelled because another had ended their call.
        public var cancelled = 0
        /// Hedges the retry budget refused.
        public var refusedByBudget = 0
    }
}
