import Foundation
public import Logging
public import ServiceLifecycle
public import ZRPC

/// Takes tasks from a broker's queues and runs them: it attaches to the broker with credit (so it
/// never holds more tasks than it runs at once), runs each delivered task's handler, and acks or
/// nacks it. It reconnects when the broker goes away, until it is cancelled.
///
/// ```swift
/// let client = Client(configuration: .init(endpoints: ["tcp://broker:7100"]))
/// let worker = QueueWorker(client: client, handlers: [
///     TaskHandler(queue: "media.Thumbnails/Resize", as: Media_ResizeTask.self) { task, context in
///         try await thumbnails.resize(task)
///     },
/// ])
/// try await ServiceGroup(services: [client, worker], logger: logger).run()
/// ```
///
/// A worker that dies holding tasks loses them to another worker as soon as the broker notices
/// (heartbeats: three silent intervals), not after their leases run out.
public final class QueueWorker: Service, Sendable {
    /// How a worker takes and runs tasks.
    public struct Configuration: Sendable {
        /// Names the worker in the broker's logs.
        public var name: String
        /// How many tasks it runs at once: the credit it grants the broker.
        public var concurrency: Int
        /// How often it tells the broker it is alive.
        public var heartbeat: Duration
        /// The wait before reconnecting after the broker went away.
        public var reconnectBackoff: Backoff
        /// The timeout of one session with the broker; the broker's server must allow it
        /// (`Server.Configuration.maxTimeout`). Tasks running when a session ends are delivered again.
        public var sessionTimeout: Duration
        /// Where the worker logs.
        public var logger: Logger

        /// Creates a configuration.
        public init(
            name: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)",
            concurrency: Int = 16,
            heartbeat: Duration = .seconds(1),
            reconnectBackoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5), multiplier: 2),
            sessionTimeout: Duration = .seconds(3_600),
            logger: Logger = Logger(label: "zrpc.worker")
        ) {
            self.name = name
            self.concurrency = concurrency
            self.heartbeat = heartbeat
            self.reconnectBackoff = reconnectBackoff
            self.sessionTimeout = sessionTimeout
            self.logger = logger
        }
    }

    /// The worker's configuration.
    public let configuration: Configuration
    /// What it has done so far.
    public let statistics = WorkerStatistics()
    private let broker: Zrpc_Queue_Broker.Client
    private let handlers: [String: TaskHandler]

    /// A worker for `handlers`' queues over `client`.
    ///
    /// - Parameters:
    ///   - client: A client whose endpoints reach the broker.
    ///   - handlers: One per queue (a later handler for the same queue replaces an earlier one).
    ///   - configuration: Its name, concurrency and timings.
    public init(client: Client, handlers: [TaskHandler], configuration: Configuration = Configuration()) {
        self.configuration = configuration
        broker = Zrpc_Queue_Broker.Client(wrapping: client)
        self.handlers = Dictionary(handlers.map { ($0.queue, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Takes and runs tasks until the task is cancelled or a graceful shutdown begins; reconnects
    /// after the broker goes away.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            var random = SystemRandomNumberGenerator()
            while !Task.isCancelled {
                let started = ContinuousClock.now
                do {
                    try await self.session()
                } catch {
                    if Task.isCancelled { break }
                    self.configuration.logger.warning("the session with the broker ended: \(error)")
                }
                failures = started.duration(to: .now) > .seconds(10) ? 1 : failures + 1
                let wait = self.configuration.reconnectBackoff.delay(forRetry: failures, using: &random)
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// One `Work` stream: attach, then run deliveries and answer them until the stream ends.
    private func session() async throws {
        let attach = Zrpc_Queue_Attach(
            queues: handlers.keys.sorted(),
            worker: configuration.name,
            credit: UInt32(clamping: max(configuration.concurrency, 1)),
            heartbeatMillis: UInt32(clamping: configuration.heartbeat.unixMillis)
        )
        try await broker.work(options: .init(timeout: configuration.sessionTimeout)) { writer, messages in
            // Handlers answer through one outbox: the writer is used by one task at a time.
            let (outbox, answers) = AsyncStream<Zrpc_Queue_WorkerMessage>.makeStream()
            answers.yield(.init(kind: .attach(attach)))
            statistics.sessionStarted()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Credit goes back after the answers it covers, one message for all the answers
                    // written since the last: each answer queues a flush marker behind whatever is
                    // already waiting, so a busy outbox returns credit(n) once instead of credit(1)
                    // n times, and an idle one credit(1) right after the answer, as before.
                    var returned: UInt32 = 0
                    var flushQueued = false
                    for await message in outbox {
                        switch message.kind {
                        case .credit:
                            flushQueued = false
                            guard returned > 0 else { continue }
                            try await writer.write(.init(kind: .credit(returned)))
                            returned = 0
                        case .ack, .nack:
                            try await writer.write(message)
                            returned += 1
                            if !flushQueued {
                                flushQueued = true
                                answers.yield(.init(kind: .credit(0)))
                            }
                        default:
                            try await writer.write(message)
                        }
                    }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: self.configuration.heartbeat)
                        answers.yield(.init(kind: .heartbeat(.init())))
                    }
                }
                group.addTask {
                    try await withThrowingDiscardingTaskGroup { running in
                        for try await message in messages {
                            guard case .delivery(let delivery) = message.kind else { continue }
                            running.addTask {
                                answers.yield(await self.answer(delivery))
                            }
                        }
                    }
                    throw RPCError(code: .unavailable, message: "the broker ended the session")
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Runs a delivered task's handler and says how it went.
    private func answer(_ delivery: Zrpc_Queue_Delivery) async -> Zrpc_Queue_WorkerMessage {
        let context = TaskContext(delivery)
        guard let handler = handlers[delivery.queue] else {
            statistics.failed()
            return .init(
                kind: .nack(
                    .init(
                        taskID: delivery.taskID,
                        delivery: delivery.delivery,
                        error: "no handler for \(delivery.queue)"
                    )
                )
            )
        }
        do {
            let result = try await handler.run(delivery.payload, context)
            statistics.acked()
            return .init(kind: .ack(.init(taskID: delivery.taskID, delivery: delivery.delivery, result: result)))
        } catch let failure as TaskFailure {
            statistics.failed()
            return .init(
                kind: .nack(
                    .init(
                        taskID: delivery.taskID,
                        delivery: delivery.delivery,
                        permanent: failure.isPermanent,
                        error: failure.message,
                        retryAfterMillis: UInt32(clamping: failure.retryAfter?.unixMillis ?? 0)
                    )
                )
            )
        } catch {
            statistics.failed()
            let message = error is CancellationError ? "the worker stopped while the task ran" : "\(error)"
            return .init(kind: .nack(.init(taskID: delivery.taskID, delivery: delivery.delivery, error: message)))
        }
    }
}
