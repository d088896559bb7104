import Foundation

/// What a worker's handler knows about the task it runs.
///
/// ```swift
/// TaskHandler(queue: "media.Thumbnails/Resize", as: Media_ResizeTask.self) { task, context in
///     logger.info("resizing", metadata: ["task": "\(context.taskID)", "attempt": "\(context.attempt)"])
///     try await resize(task, key: context.idempotencyKey)
/// }
/// ```
public struct TaskContext: Sendable {
    /// The task's id at the broker.
    public let taskID: TaskID
    /// The queue it came from.
    public let queue: String
    /// 1 on the first delivery, 2 on the first retry, and so on.
    public let attempt: Int
    /// The task's idempotency key: record effects under it (``IdempotencyStore``) so a task
    /// delivered twice has its effect once.
    public let idempotencyKey: String
    /// When the task must have started by, if it has a deadline.
    public let deadline: Date?
    /// When the broker gives the task to another worker unless this one answers first.
    public let leaseExpiresAt: Date
    /// When the task was enqueued.
    public let enqueuedAt: Date

    package init(_ delivery: Zrpc_Queue_Delivery) {
        taskID = TaskID(delivery.taskID)
        queue = delivery.queue
        attempt = Int(delivery.attempt)
        idempotencyKey = delivery.idempotencyKey
        deadline = delivery.deadlineUnixMillis == 0 ? nil : Date(unixMillis: delivery.deadlineUnixMillis)
        leaseExpiresAt = Date(unixMillis: delivery.leaseExpiresUnixMillis)
        enqueuedAt = Date(unixMillis: delivery.enqueuedUnixMillis)
    }
}
