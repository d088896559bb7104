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
        backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(60), multiplier: 2),
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
}
