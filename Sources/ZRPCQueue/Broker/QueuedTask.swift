/// A point in wall-clock time in milliseconds since the Unix epoch: what the broker stores and
/// sends, since it must mean the same after a restart.
package typealias UnixMillis = Int64

/// A task the broker holds, with everything its delivery contract needs.
package struct QueuedTask: Hashable, Sendable {
    let id: String
    let queue: String
    let payload: [UInt8]
    let idempotencyKey: String
    let policy: TaskPolicy
    let enqueuedAt: UnixMillis
    /// The task must start before this time; `nil`: no deadline.
    let deadline: UnixMillis?
    /// Not delivered before this time.
    var notBefore: UnixMillis
    /// Deliveries made so far.
    var attempts: Int = 0
    /// The error of every failed attempt, in order.
    var errors: [String] = []
    var firstAttemptAt: UnixMillis?
    var lastAttemptAt: UnixMillis?
}

/// Why a task went to the dead-letter queue.
enum DeadLetterReason: String, Hashable, Sendable, CaseIterable {
    case attemptsExhausted = "attempts exhausted"
    case permanentError = "permanent error"
    case deadlineExceeded = "deadline exceeded"
}

/// A change to a task that the broker's store must record.
enum Settlement: Hashable, Sendable {
    /// The task succeeded; the worker's result, if any.
    case acked(QueuedTask, result: [UInt8])
    /// The task failed and waits for another attempt (its `notBefore`, `attempts` and `errors` changed).
    case rescheduled(QueuedTask)
    /// The task failed for good.
    case deadLettered(QueuedTask, reason: DeadLetterReason)

    var task: QueuedTask {
        switch self {
        case .acked(let task, _), .rescheduled(let task), .deadLettered(let task, _): task
        }
    }
}
