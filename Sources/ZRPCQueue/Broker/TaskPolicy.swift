public import ZRPC

/// How the broker delivers a task: how many attempts, the backoff between them, how long a worker
/// holds it (its lease), how long it may wait to run, and whether it is kept after its last failure.
///
/// A queue's policy comes from its `.proto` options, then the broker's configuration, then the
/// producer's ``EnqueueOptions``, each overriding the one before.
///
/// ```swift
/// var policy = TaskPolicy()
/// policy.maxAttempts = 3
/// policy.lease = .seconds(10)
/// policy.deadline = .seconds(60)      // dead-lettered if it has not run within a minute
/// ```
public struct TaskPolicy: Hashable, Sendable {
    /// Attempts in all, the first included (≥ 1).
    public var maxAttempts: Int
    /// The wait before attempt *n + 1* after a retryable failure: uniform in
    /// `0 ... min(maximum, initial × multiplier^(n−1))` (full jitter).
    public var backoff: Backoff
    /// How long a worker holds a delivered task before the broker gives it to another
    /// (the visibility timeout).
    public var lease: Duration
    /// How long a task may wait to run from its enqueue, when the producer gives no deadline of
    /// its own; `nil`: no deadline.
    public var deadline: Duration?
    /// Whether a task that fails for good keeps its payload in the dead-letter queue (true) or is
    /// only counted and logged.
    public var keepsDeadLetters: Bool

    /// Creates a policy; the defaults suit most queues.
    public init(
        maxAttempts: Int = 5,
        backoff: Backoff = TaskPolicy.defaultBackoff,
        lease: Duration = .seconds(30),
        deadline: Duration? = nil,
        keepsDeadLetters: Bool = true
    ) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.lease = lease
        self.deadline = deadline
        self.keepsDeadLetters = keepsDeadLetters
    }

    /// The backoff of ``init(maxAttempts:backoff:lease:deadline:keepsDeadLetters:)``: 200 ms, doubling
    /// up to 60 s. A `.proto` (or a wire policy) that sets only some of a backoff's fields takes the
    /// others from it.
    public static let defaultBackoff = Backoff(initial: .milliseconds(200), maximum: .seconds(60), multiplier: 2)
}

extension TaskPolicy {
    /// Changes to a policy, field by field: what a `.proto` declares for a queue, what a broker's
    /// configuration sets for it, and what a producer asks for one task. A field left `nil` keeps
    /// the value beneath.
    ///
    /// ```swift
    /// var overrides = TaskPolicy.Overrides()
    /// overrides.maxAttempts = 10
    /// let policy = TaskPolicy().applying(overrides)      // 10 attempts, the rest as default
    /// ```
    public struct Overrides: Hashable, Sendable {
        /// Attempts in all, the first included.
        public var maxAttempts: Int?
        /// The backoff between attempts.
        public var backoff: Backoff?
        /// How long a worker holds a delivered task.
        public var lease: Duration?
        /// How long a task may wait to run from its enqueue.
        public var deadline: Duration?
        /// Whether dead letters keep their payloads.
        public var keepsDeadLetters: Bool?

        /// Overrides of the given fields.
        public init(
            maxAttempts: Int? = nil,
            backoff: Backoff? = nil,
            lease: Duration? = nil,
            deadline: Duration? = nil,
            keepsDeadLetters: Bool? = nil
        ) {
            self.maxAttempts = maxAttempts
            self.backoff = backoff
            self.lease = lease
            self.deadline = deadline
            self.keepsDeadLetters = keepsDeadLetters
        }
    }

    /// This policy with `overrides`' fields in place of its own.
    public func applying(_ overrides: Overrides) -> TaskPolicy {
        var policy = self
        if let maxAttempts = overrides.maxAttempts { policy.maxAttempts = maxAttempts }
        if let backoff = overrides.backoff { policy.backoff = backoff }
        if let lease = overrides.lease { policy.lease = lease }
        if let deadline = overrides.deadline { policy.deadline = deadline }
        if let keepsDeadLetters = overrides.keepsDeadLetters { policy.keepsDeadLetters = keepsDeadLetters }
        return policy
    }
}
