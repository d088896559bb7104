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

    /// Enqueues `tasks` in one call and returns their ids, in order, once the broker has committed
    /// them, all in one transaction: one round trip and one commit instead of one per task.
    ///
    /// ```swift
    /// let ids = try await resize.enqueue(contentsOf: images.map { Media_ResizeTask(imageID: $0.id, width: 128) })
    /// ```
    ///
    /// Each task gets its own idempotency key, derived from its bytes, so a task already queued
    /// (or twice in `tasks`) is queued once and its id returned again.
    ///
    /// - Parameters:
    ///   - tasks: The tasks; none is queued unless all are.
    ///   - options: Applied to every task; its ``EnqueueOptions/idempotencyKey`` must be nil when
    ///     there is more than one task.
    /// - Returns: The tasks' ids, in the order of `tasks`.
    /// - Throws: ``RPCError``, as ``enqueue(_:options:)`` does; INVALID_ARGUMENT for one key given
    ///   to several tasks.
    @discardableResult
    public func enqueue(
        contentsOf tasks: some Sequence<Task>,
        options: EnqueueOptions = EnqueueOptions()
    ) async throws -> [TaskID] {
        let declared = declaredPolicy.wire
        let submissions = try tasks.map { task in
            var submission = try Self.submission(task, queue: queue, options: options)
            submission.declaredPolicy = declared
            return submission
        }
        guard !submissions.isEmpty else { return [] }
        guard options.idempotencyKey == nil || submissions.count == 1 else {
            throw RPCError(
                code: .invalidArgument,
                message: "one idempotency key for \(submissions.count) tasks on \(queue) would queue only the first"
            )
        }
        let reply = try await broker.enqueue(.init(tasks: submissions), options: options.call)
        guard reply.results.count == submissions.count, reply.results.allSatisfy({ !$0.taskID.isEmpty }) else {
            throw RPCError(
                code: .internal,
                message:
                    "the broker confirmed \(reply.results.count) task ids for \(submissions.count) tasks on \(queue)"
            )
        }
        return reply.results.map { TaskID($0.taskID) }
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
