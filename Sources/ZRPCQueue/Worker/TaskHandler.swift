public import ProtobufC

/// A worker's handler for one queue: decodes each delivered task as `Task` and runs `body`.
///
/// ```swift
/// let resize = TaskHandler(queue: "media.Thumbnails/Resize", as: Media_ResizeTask.self) { task, context in
///     try await thumbnails.resize(task)
/// }
/// let worker = QueueWorker(client: client, handlers: [resize])
/// ```
///
/// A handler returns normally to ack the task, with an optional result the broker keeps. It throws
/// ``TaskFailure`` to choose between a retry and the dead-letter queue; any other error is retried.
/// A task that does not decode as `Task` fails permanently.
public struct TaskHandler: Sendable {
    /// The queue it takes tasks from.
    public let queue: String
    let run: @Sendable (_ payload: [UInt8], _ context: TaskContext) async throws -> [UInt8]

    /// A handler whose tasks produce no result.
    public init<Task: ProtobufMessage>(
        queue: String,
        as type: Task.Type,
        _ body: @escaping @Sendable (Task, TaskContext) async throws -> Void
    ) {
        self.queue = queue
        run = { payload, context in
            try await body(try Self.decode(payload, as: Task.self, queue: queue), context)
            return []
        }
    }

    /// A handler whose tasks produce a result, kept by the broker with the acked task.
    public init<Task: ProtobufMessage, Result: ProtobufMessage>(
        queue: String,
        as type: Task.Type,
        returning resultType: Result.Type,
        _ body: @escaping @Sendable (Task, TaskContext) async throws -> Result
    ) {
        self.queue = queue
        run = { payload, context in
            let result = try await body(try Self.decode(payload, as: Task.self, queue: queue), context)
            return try result.serializedBytes()
        }
    }

    private static func decode<Task: ProtobufMessage>(
        _ payload: [UInt8],
        as type: Task.Type,
        queue: String
    ) throws -> Task {
        do {
            return try Task(serializedBytes: payload)
        } catch {
            let reason = (error as? ProtobufCError)?.message ?? "\(error)"
            throw TaskFailure.permanent("the task did not decode as \(Task.protobufCDescriptor.fullName): \(reason)")
        }
    }
}
