public import ZRPC

/// How one task is enqueued: its idempotency key, deadline, delay and delivery policy.
///
/// ```swift
/// var options = EnqueueOptions()
/// options.idempotencyKey = "order-1234-receipt"
/// options.delay = .seconds(30)          // not delivered before 30 s from now
/// options.deadline = .after(.seconds(600))
/// let id = try await producer.enqueue(receipt, options: options)
/// ```
public struct EnqueueOptions: Sendable {
    /// When a task must have started by; a task still waiting then is dead-lettered, never run.
    public enum Deadline: Sendable, Hashable {
        /// The remaining deadline of the RPC this task is enqueued from (``CallDeadline/current``),
        /// else the queue policy's ``TaskPolicy/deadline``.
        case inherited
        /// This long from now.
        case after(Duration)
        /// None, whatever the policy and the caller say.
        case none
    }

    /// Enqueues with the same key within the broker's retention window are one task: the second
    /// returns the first's id. `nil`: derived from the queue and the task's bytes, so enqueuing the
    /// same task twice queues it once.
    public var idempotencyKey: String?
    /// When the task must have started by.
    public var deadline: Deadline
    /// Not delivered before this long from now.
    public var delay: Duration?
    /// Changes to the queue's delivery policy for this task (over what its `.proto` declares and
    /// the broker's configuration).
    public var policy: TaskPolicy.Overrides
    /// The enqueue call's own options (its timeout, metadata).
    public var call: CallOptions

    /// Creates options; by default the key is derived, the deadline inherited, no delay.
    public init(
        idempotencyKey: String? = nil,
        deadline: Deadline = .inherited,
        delay: Duration? = nil,
        policy: TaskPolicy.Overrides = .init(),
        call: CallOptions = .defaults
    ) {
        self.idempotencyKey = idempotencyKey
        self.deadline = deadline
        self.delay = delay
        self.policy = policy
        self.call = call
    }
}
