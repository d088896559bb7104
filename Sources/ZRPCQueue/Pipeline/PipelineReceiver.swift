import Logging
public import ProtobufC
import Synchronization
@_spi(ReadAhead) import ZRPC
internal import ZeroMQ

/// The receiving end of a typed pipeline (ZeroMQ PULL): an async sequence of the messages its
/// ``PipelineSender``s send, taken fairly from each of them (fair-queued).
///
/// At most once: a message is delivered once or lost, never duplicated; what this receiver has
/// read ahead is lost if its process dies. It reads ahead at most ``Configuration/highWaterMark``
/// messages, so a slow reader slows the senders down (back-pressure) instead of growing memory.
/// Messages that are not pipeline messages, or do not decode as `Message`, are counted
/// (``Statistics/malformed``), logged and skipped. See docs/QUEUES.md, "Pipelines".
///
/// ```swift
/// // A worker: take jobs from the ventilator, send results to the sink.
/// let jobs = try await PipelineReceiver<Job>(connect: "tcp://ventilator:5557")
/// let results = try await PipelineSender<JobResult>(connect: "tcp://sink:5558")
/// for try await job in jobs {
///     try await results.send(run(job))
/// }
/// ```
///
/// Several tasks may read at once; each message goes to one of them. The sequence ends (returns
/// nil) after ``close()``, once the messages already read ahead have been taken.
public final class PipelineReceiver<Message: ProtobufMessage>: AsyncSequence, Sendable {
    /// The messages, in the order they were received.
    public typealias Element = Message

    /// What this receiver was made with.
    public let configuration: Configuration
    /// Where the socket is bound (a `tcp://…:*` wildcard resolved to its port) or connected.
    ///
    /// ```swift
    /// let sink = try await PipelineReceiver<JobResult>(bind: "tcp://127.0.0.1:*")
    /// let results = try await PipelineSender<JobResult>(connect: sink.endpoints)
    /// ```
    public let endpoints: [String]

    private let loop: IOLoop<ReceiverDriver>
    private let shared: ReceiverShared

    /// Creates a receiver bound to `endpoint`, where senders connect (the zguide's sink).
    ///
    /// ```swift
    /// let sink = try await PipelineReceiver<JobResult>(bind: "tcp://*:5558")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `tcp://host:port` (port `*` picks a free one), `ipc://path` or `inproc://name`.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint or configuration,
    ///   `UNAVAILABLE` when the endpoint cannot be bound (in use, say).
    public convenience init(bind endpoint: String, configuration: Configuration = .defaults) async throws {
        try await self.init(attachment: .bind(endpoint), configuration: configuration)
    }

    /// Creates a receiver connected to senders bound at `endpoints` (a worker taking jobs from the
    /// zguide's ventilator). libzmq connects, and reconnects, in the background.
    ///
    /// ```swift
    /// let jobs = try await PipelineReceiver<Job>(connect: ["tcp://ventilator-a:5557", "tcp://ventilator-b:5557"])
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: One or more senders' endpoints; their messages are taken in turn.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint or configuration.
    public convenience init(connect endpoints: [String], configuration: Configuration = .defaults) async throws {
        try await self.init(attachment: .connect(endpoints), configuration: configuration)
    }

    /// Creates a receiver connected to one sender bound at `endpoint`.
    ///
    /// ```swift
    /// let jobs = try await PipelineReceiver<Job>(connect: "tcp://127.0.0.1:5557")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: The sender's endpoint.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint or configuration.
    public convenience init(connect endpoint: String, configuration: Configuration = .defaults) async throws {
        try await self.init(attachment: .connect([endpoint]), configuration: configuration)
    }

    private init(attachment: PipelineAttachment, configuration: Configuration) async throws {
        guard configuration.highWaterMark >= 1, configuration.highWaterMark <= Int(Int32.max) else {
            throw RPCError(
                code: .invalidArgument,
                message:
                    "a pipeline's high-water mark must be between 1 and \(Int32.max), not \(configuration.highWaterMark)"
            )
        }
        guard configuration.maxMessageBytes >= 0 else {
            throw RPCError(code: .invalidArgument, message: "maxMessageBytes must not be negative")
        }
        let shared = ReceiverShared(capacity: configuration.highWaterMark, counters: PipelineReceiverStatistics())
        let loop: IOLoop<ReceiverDriver>
        let context: Context
        do {
            loop = try IOLoop(name: configuration.name)
            context = try configuration.transportContext?.context ?? Context()
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not start a pipeline receiver", cause: error)
        }
        let endpoints = Mutex<[String]>([])
        try await loop.start {
            let driver = try ReceiverDriver(
                context: context,
                attachment: attachment,
                configuration: configuration,
                shared: shared
            )
            endpoints.withLock { $0 = driver.endpoints }
            return driver
        }
        self.configuration = configuration
        self.shared = shared
        self.loop = loop
        self.endpoints = endpoints.withLock { $0 }
        configuration.logger.debug(
            "pipeline receiver started",
            metadata: ["endpoints": "\(self.endpoints)", "high-water-mark": "\(configuration.highWaterMark)"]
        )
    }

    deinit {
        loop.requestStop()
    }

    /// The next message, or nil once the receiver is closed and what it read ahead is taken.
    ///
    /// Waits while none has arrived. A message that does not decode is counted, logged and
    /// skipped.
    ///
    /// ```swift
    /// while let job = try await jobs.receive() {
    ///     try await handle(job)
    /// }
    /// ```
    ///
    /// - Returns: The message, or nil at the end.
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    public func receive() async throws -> Message? {
        let loop = loop
        while let payload = try await shared.next(resume: { loop.submit(.resume) }) {
            do {
                let message = try payload.withUnsafeBytes { bytes in
                    try Message(serializedBytes: bytes, limits: configuration.decodingLimits)
                }
                shared.updateCounters { $0.received += 1 }
                return message
            } catch {
                let malformed = shared.updateCounters { counters in
                    counters.malformed += 1
                    return counters.malformed
                }
                if malformed & (malformed - 1) == 0 {
                    configuration.logger.warning(
                        "pipeline receiver dropped a message that does not decode as \(Message.protobufCDescriptor.fullName)",
                        metadata: [
                            "endpoints": "\(endpoints)", "bytes": "\(payload.count)", "error": "\(error)",
                            "malformed-so-far": "\(malformed)",
                        ]
                    )
                }
            }
        }
        return nil
    }

    /// The counters now.
    ///
    /// ```swift
    /// if jobs.statistics.malformed > 0 { logger.warning("someone sends garbage") }
    /// ```
    public var statistics: Statistics { shared.counters }

    /// Stops receiving and closes the socket; messages libzmq queued and this receiver had not
    /// read ahead are lost (at most once). Iteration ends once the messages read ahead are taken.
    /// Idempotent.
    ///
    /// ```swift
    /// await jobs.close()
    /// ```
    public func close() async {
        await loop.shutdown()
    }

    /// An iterator over the messages; several may be used at once (each message goes to one).
    ///
    /// ```swift
    /// for try await job in jobs { … }
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(receiver: self)
    }

    /// Iterates the messages of a ``PipelineReceiver``.
    ///
    /// ```swift
    /// var iterator = jobs.makeAsyncIterator()
    /// let first = try await iterator.next()
    /// ```
    public struct AsyncIterator: AsyncIteratorProtocol {
        let receiver: PipelineReceiver

        /// The next message, or nil at the end (see ``PipelineReceiver/receive()``).
        ///
        /// - Returns: The message, or nil once the receiver is closed and drained.
        /// - Throws: `CancellationError` when the task is cancelled while it waits.
        public mutating func next() async throws -> Message? {
            try await receiver.receive()
        }
    }

    /// Runs `body` with a receiver bound to `endpoint` and closes it when `body` returns or throws.
    ///
    /// ```swift
    /// try await PipelineReceiver<JobResult>.withReceiver(bind: "tcp://*:5558") { results in
    ///     for try await result in results { record(result) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to bind.
    ///   - configuration: High-water mark, limits, context.
    ///   - body: Uses the receiver.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the receiver or `body` threw.
    nonisolated(nonsending) public static func withReceiver<Result: Sendable>(
        bind endpoint: String,
        configuration: Configuration = .defaults,
        _ body: (PipelineReceiver) async throws -> Result
    ) async throws -> Result {
        let receiver = try await PipelineReceiver(bind: endpoint, configuration: configuration)
        do {
            let result = try await body(receiver)
            await receiver.close()
            return result
        } catch {
            await receiver.close()
            throw error
        }
    }

    /// Runs `body` with a receiver connected to `endpoints` and closes it when `body` returns or
    /// throws.
    ///
    /// ```swift
    /// try await PipelineReceiver<Job>.withReceiver(connect: ["tcp://127.0.0.1:5557"]) { jobs in
    ///     for try await job in jobs { try await handle(job) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: The senders' endpoints.
    ///   - configuration: High-water mark, limits, context.
    ///   - body: Uses the receiver.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the receiver or `body` threw.
    nonisolated(nonsending) public static func withReceiver<Result: Sendable>(
        connect endpoints: [String],
        configuration: Configuration = .defaults,
        _ body: (PipelineReceiver) async throws -> Result
    ) async throws -> Result {
        let receiver = try await PipelineReceiver(connect: endpoints, configuration: configuration)
        do {
            let result = try await body(receiver)
            await receiver.close()
            return result
        } catch {
            await receiver.close()
            throw error
        }
    }
}
