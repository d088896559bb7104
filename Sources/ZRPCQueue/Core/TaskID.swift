/// A task's id at its broker: what an enqueue returns, and what the admin service and the
/// worker's ``TaskContext`` name it by.
///
/// ```swift
/// let id = try await producer.enqueue(task)
/// print("queued \(id)")
/// ```
public struct TaskID: Hashable, Sendable, CustomStringConvertible {
    /// The id as the broker wrote it.
    public let rawValue: String

    /// Wraps an id the broker gave.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The raw id.
    public var description: String { rawValue }
}
