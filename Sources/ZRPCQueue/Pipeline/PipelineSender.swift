public import ProtobufC
import Synchronization
import ZRPC
internal import ZeroMQ

/// The sending end of a typed pipeline (ZeroMQ PUSH): messages go to the connected
/// ``PipelineReceiver``s, each to one of them, in turn (round-robin).
///
/// At most once: a message is delivered once or lost (a receiver that dies loses what it held),
/// never duplicated. A full pipeline never drops a message silently: ``send(_:)`` waits for room
/// or throws `RESOURCE_EXHAUSTED`, as ``Configuration/whenFull`` says, and ``statistics`` counts
/// it. See docs/QUEUES.md, "Pipelines".
///
/// ```swift
/// // The ventilator binds; workers connect their receivers.
/// let sender = try await PipelineSender<Job>(bind: "tcp://*:5557")
/// for job in jobs {
///     try await sender.send(job)
/// }
/// await sender.close()          // hands what is queued to the receivers, within the linger
/// ```
///
/// Its socket lives on an I/O thread of its own; `send` only encodes the message and queues it
/// for that thread (no system call and no suspension while there is room), so one task can send
/// hundreds of thousands of small messages a second.
public final class PipelineSender<Message: ProtobufMessage>: Sendable {
    /// What this sender was made with.
    public let configuration: Configuration
    /// Where the socket is bound (a `tcp://…:*` wildcard resolved to its port) or connected.
    ///
    /// ```swift
    /// let sender = try await PipelineSender<Job>(bind: "tcp://127.0.0.1:*")
    /// let receiver = try await PipelineReceiver<Job>(connect: sender.endpoints[0])
    /// ```
    public let endpoints: [String]

    private let loop: IOLoop<SenderDriver>
    private let shared: SenderShared
    private let waiterIDs = Atomic<UInt64>(0)

    /// Creates a sender bound to `endpoint`, where receivers connect (the zguide's ventilator).
    ///
    /// ```swift
    /// let sender = try await PipelineSender<Job>(bind: "ipc:///tmp/jobs.sock")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `tcp://host:port` (port `*` picks a free one), `ipc://path` or `inproc://name`.
    ///   - configuration: High-water mark, full policy, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint or configuration,
    ///   `UNAVAILABLE` when the endpoint cannot be bound (in use, say).
    public convenience init(bind endpoint: String, configuration: Configuration = .defaults) async throws {
        try await self.init(attachment: .bind(endpoint), configuration: configuration)
    }

    /// Creates a sender connected to receivers bound at `endpoints` (a worker sending results to
    /// the zguide's sink). libzmq connects, and reconnects, in the background; until a receiver is
    /// connected the pipeline holds only ``Configuration/highWaterMark`` messages.
    ///
    /// ```swift
    /// let results = try await PipelineSender<Result>(connect: ["tcp://sink.local:5558"])
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: One or more receivers' endpoints; messages go to them in turn.
    ///   - configuration: High-water mark, full policy, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint or configuration.
    public convenience init(connect endpoints: [String], configuration: Configuration = .defaults) async throws {
        try await self.init(attachment: .connect(endpoints), configuration: configuration)
    }

    /// Creates a sender connected to one receiver bound at `endpoint`.
    ///
    /// ```swift
    /// let results = try await PipelineSender<Result>(connect: "tcp://127.0.0.1:5558")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: The receiver's endpoint.
    ///   - configuration: High-water mark, full policy, linger, context.
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
        let shared = SenderShared(capacity: configuration.highWaterMark)
        let loop: IOLoop<SenderDriver>
        let context: Context
        do {
            loop = try IOLoop(name: configuration.name)
            context = try configuration.transportContext?.context ?? Context()
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not start a pipeline sender", cause: error)
        }
        let endpoints = Mutex<[String]>([])
        try await loop.start {
            let driver = try SenderDriver(
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
            "pipeline sender started",
            metadata: [
                "endpoints": "\(self.endpoints)", "high-water-mark": "\(configuration.highWaterMark)",
                "when-full": "\(configuration.whenFull)",
            ]
        )
    }

    deinit {
        // Not closed: stop the thread anyway (what it still held is counted as discarded).
        loop.requestStop()
    }

    /// Sends `message` to one receiver.
    ///
    /// Returns as soon as the message is queued for the I/O thread, which passes it to libzmq
    /// and on to a receiver. When the pipeline is full it waits for room or throws, as
    /// ``Configuration/whenFull`` says.
    ///
    /// ```swift
    /// do {
    ///     try await sender.send(Job(id: 7))
    /// } catch let error as RPCError where error.code == .resourceExhausted {
    ///     // the receivers are behind: shed load, or try again later
    /// }
    /// ```
    ///
    /// - Parameter message: The message; encoded on the calling task.
    /// - Throws: ``ZRPC/RPCError``: `RESOURCE_EXHAUSTED` when the pipeline is full (counted in
    ///   ``Statistics/refusedFull``), `UNAVAILABLE` after ``close()``, `INVALID_ARGUMENT` when the
    ///   message cannot be encoded (a string holding a NUL); `CancellationError` when the task is
    ///   cancelled while it waits for room. In every case the message was not sent.
    public func send(_ message: Message) async throws {
        let payload: Frame
        do {
            payload = try message.withPacked { packed in
                try Frame(size: packed.size) { buffer in _ = packed.pack(into: buffer) }
            }
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "could not encode \(Message.protobufCDescriptor.fullName): \(error)",
                cause: error
            )
        }
        switch shared.offer(payload, mayWait: configuration.whenFull.timeout != nil) {
        case .staged(let notify):
            if notify { loop.submit(.flush) }
        case .refused:
            throw RPCError(
                code: .resourceExhausted,
                message: "the pipeline is full: \(shared.capacity) messages wait for a receiver",
                metadata: [RPCError.notSentMetadataKey: "true"]
            )
        case .mustWait:
            try await waitForRoom(payload, timeout: configuration.whenFull.timeout ?? .zero)
        case .closed:
            throw SenderDriver.closedError
        }
    }

    private func waitForRoom(_ payload: Frame, timeout: Duration) async throws {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        let cancellation = SendWaiter.Cancellation()
        let loop = loop
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                loop.submit(
                    .wait(
                        SendWaiter(
                            id: id,
                            payload: payload,
                            deadline: .now.advanced(by: timeout),
                            timeout: timeout,
                            cancellation: cancellation,
                            continuation: continuation
                        )
                    )
                )
            }
        } onCancel: {
            cancellation.isCancelled.store(true, ordering: .releasing)
            loop.submit(.cancelWait(id))
        }
    }

    /// The counters now.
    ///
    /// ```swift
    /// if sender.statistics.refusedFull > 0 { logger.warning("receivers fell behind") }
    /// ```
    public var statistics: Statistics { shared.statistics }

    /// Stops sending: later sends (and sends waiting for room) fail with `UNAVAILABLE`; what is
    /// queued is handed to receivers for up to ``Configuration/linger``, then the socket closes,
    /// with libzmq trying for as long again to deliver what it holds. Messages that never
    /// reached libzmq are counted in ``Statistics/discarded`` and logged. Idempotent.
    ///
    /// ```swift
    /// await sender.close()
    /// assert(sender.statistics.discarded == 0)
    /// ```
    public func close() async {
        if shared.close() {
            let deadline = ContinuousClock.now.advanced(by: configuration.linger)
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                loop.submit(.drain(deadline, done))
            }
        }
        await loop.shutdown()
    }

    /// Runs `body` with a sender bound to `endpoint` and closes it when `body` returns or throws.
    ///
    /// ```swift
    /// try await PipelineSender<Job>.withSender(bind: "tcp://*:5557") { sender in
    ///     for job in jobs { try await sender.send(job) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to bind.
    ///   - configuration: High-water mark, full policy, linger, context.
    ///   - body: Uses the sender.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the sender or `body` threw.
    nonisolated(nonsending) public static func withSender<Result: Sendable>(
        bind endpoint: String,
        configuration: Configuration = .defaults,
        _ body: (PipelineSender) async throws -> Result
    ) async throws -> Result {
        let sender = try await PipelineSender(bind: endpoint, configuration: configuration)
        do {
            let result = try await body(sender)
            await sender.close()
            return result
        } catch {
            await sender.close()
            throw error
        }
    }

    /// Runs `body` with a sender connected to `endpoints` and closes it when `body` returns or throws.
    ///
    /// ```swift
    /// try await PipelineSender<Result>.withSender(connect: ["tcp://127.0.0.1:5558"]) { results in
    ///     try await results.send(result)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: The receivers' endpoints.
    ///   - configuration: High-water mark, full policy, linger, context.
    ///   - body: Uses the sender.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the sender or `body` threw.
    nonisolated(nonsending) public static func withSender<Result: Sendable>(
        connect endpoints: [String],
        configuration: Configuration = .defaults,
        _ body: (PipelineSender) async throws -> Result
    ) async throws -> Result {
        let sender = try await PipelineSender(connect: endpoints, configuration: configuration)
        do {
            let result = try await body(sender)
            await sender.close()
            return result
        } catch {
            await sender.close()
            throw error
        }
    }
}
