import Foundation
public import ProtobufC
public import ZRPC

/// Enqueues tasks of one type on one queue at a broker, through a ``Client`` connected to it.
///
/// ```swift
/// let client = Client(configuration: .init(endpoints: ["tcp://broker:7100"]))
/// let resize = TaskProducer<Media_ResizeTask>(client: client, queue: "media.Thumbnails/Resize")
/// let id = try await resize.enqueue(.init(imageID: "42", width: 128))
/// ```
///
/// `enqueue` returns once the broker has committed the task to its store. A task enqueued again
/// with the same idempotency key (by default one derived from its bytes) is queued once: the
/// broker returns the first one's id, so retrying a failed enqueue never queues a task twice.
public struct TaskProducer<Task: ProtobufMessage>: Sendable {
    /// The queue's name at the broker.
    public let queue: String
    /// The delivery policy the queue's `.proto` declares, sent with each task.
    public let declaredPolicy: TaskPolicy.Overrides
    private let broker: Zrpc_Queue_Broker.Client

    /// A producer for `queue` over `client`.
    ///
    /// - Parameters:
    ///   - client: A client whose endpoints reach the broker.
    ///   - queue: The queue's name, e.g. the full name of the method that declares it.
    ///   - declaredPolicy: What the queue's `.proto` declares (generated producers pass it).
    public init(client: Client, queue: String, declaredPolicy: TaskPolicy.Overrides = .init()) {
        self.queue = queue
        self.declaredPolicy = declaredPolicy
        broker = Zrpc_Queue_Broker.Client(wrapping: client)
    }

    /// Enqueues `task` and returns its id once the broker has committed it.
    ///
    /// - Throws: ``RPCError``: INVALID_ARGUMENT for a task the broker refuses, RESOURCE_EXHAUSTED
    ///   when its disk is full, UNAVAILABLE when it cannot store or be reached (nothing is queued
    ///   in either case, unless a connection was lost after the commit: enqueue again, the
    ///   idempotency key makes that safe).
    @discardableResult
    public func enqueue(_ task: Task, options: EnqueueOptions = EnqueueOptions()) async throws -> TaskID {
        var submission = try Self.submission(task, queue: queue, options: options)
        submission.declaredPolicy = declaredPolicy.wire
        let reply = try await broker.enqueue(.init(tasks: [submission]), options: options.call)
        guard let result = reply.results.first, !result.taskID.isEmpty else {
            throw RPCError(code: .internal, message: "the broker confirmed no task id for the enqueue on \(queue)")
        }
        return TaskID(result.taskID)
    }

    /// The wire form of one task.
    static func submission(_ task: Task, queue: String, options: EnqueueOptions) throws -> Zrpc_Queue_TaskSubmission {
        let payload: [UInt8]
        do {
            payload = try task.serializedBytes()
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "the task for \(queue) did not encode: \(error)",
                cause: error
            )
        }
        let now = Date().timeIntervalSince1970
        func unixMillis(after duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return Int64(now * 1_000) + seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        }
        var deadline: Int64 = 0
        switch options.deadline {
        case .after(let duration): deadline = unixMillis(after: duration)
        case .none: deadline = Int64.max
        case .inherited:
            if let inherited = CallDeadline.current {
                deadline = unixMillis(after: ContinuousClock.now.duration(to: inherited))
            }
        }
        return Zrpc_Queue_TaskSubmission(
            queue: queue,
            payload: payload,
            idempotencyKey: options.idempotencyKey ?? ContentKey.derive(queue: queue, payload: payload),
            deadlineUnixMillis: deadline,
            notBeforeUnixMillis: options.delay.map(unixMillis(after:)) ?? 0,
            policy: options.policy.wire
        )
    }
}
