/// Where the orders service hands an order's tasks: a protocol, so the service enqueues on the broker in
/// the cluster (``BrokerTaskEnqueuer``) and on a fake in tests. An implementation must be safe to call
/// again with the same task: the broker keeps one task per ``OrderTask/idempotencyKey``.
///
/// ```swift
/// for task in order.tasks {
///     try await queue.enqueue(task)   // returns once the broker has committed the task
/// }
/// ```
public protocol TaskEnqueuing: Sendable {
    /// Enqueues `task` durably: returns only once it is stored (at the broker), and enqueuing it again
    /// under the same key stores nothing more.
    ///
    /// - Parameter task: The task.
    func enqueue(_ task: OrderTask) async throws
}
