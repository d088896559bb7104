/// An error a task handler throws to say how the broker should treat the failure. Any other
/// error counts as retryable.
///
/// ```swift
/// guard task.width > 0 else { throw TaskFailure.permanent("width must be positive") }
/// guard storage.isUp else { throw TaskFailure.retry(after: .seconds(30), "storage is down") }
/// ```
public struct TaskFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Retrying cannot help: the task goes to the dead-letter queue at once.
    public let isPermanent: Bool
    /// Retry no sooner than this (when it is longer than the policy's backoff).
    public let retryAfter: Duration?
    /// What went wrong, kept with the task's attempts.
    public let message: String

    /// A failure that retrying cannot fix.
    public static func permanent(_ message: String) -> TaskFailure {
        TaskFailure(isPermanent: true, retryAfter: nil, message: message)
    }

    /// A failure worth retrying, no sooner than `retryAfter` if given.
    public static func retry(after retryAfter: Duration? = nil, _ message: String) -> TaskFailure {
        TaskFailure(isPermanent: false, retryAfter: retryAfter, message: message)
    }

    /// The message, and whether it is permanent.
    public var description: String { isPermanent ? "permanent: \(message)" : message }
}
