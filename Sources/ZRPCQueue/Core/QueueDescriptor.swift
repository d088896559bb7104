/// A work queue declared in a `.proto`: its name at the broker and the delivery policy its options
/// declare.
///
/// zrpc-gen writes one per method of a queue service (docs/CODEGEN.md, "Queue services"); the
/// generated producer sends the declared policy with each task, beneath the broker's configuration
/// for the queue and the producer's ``EnqueueOptions/policy``.
///
/// ```swift
/// Media_Thumbnails.Method.Resize.descriptor.name             // "media.Thumbnails/Resize"
/// Media_Thumbnails.Method.Resize.descriptor.declaredPolicy   // TaskPolicy.Overrides(maxAttempts: 3, …)
/// ```
public struct QueueDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// The queue's name at the broker: the declaring method's full name, `media.Thumbnails/Resize`.
    public let name: String
    /// What the `.proto` declares: the method's `(zrpc.task_policy)` over its service's `(zrpc.queue)`.
    public let declaredPolicy: TaskPolicy.Overrides

    /// Describes a queue.
    ///
    /// - Parameters:
    ///   - name: The queue's name at the broker.
    ///   - declaredPolicy: The delivery policy its `.proto` declares.
    public init(name: String, declaredPolicy: TaskPolicy.Overrides = .init()) {
        self.name = name
        self.declaredPolicy = declaredPolicy
    }

    /// The queue's name.
    public var description: String { name }
}
