public import ProtobufC
import Synchronization
public import ZRPC
internal import ZeroMQ

/// Publishes typed events on a topic (a ZeroMQ XPUB socket): each `publish` goes to every
/// subscriber whose prefix matches `topic.key`, directly or through a ``PubSubForwarder``.
///
/// At most once: a subscriber that is not connected, or not yet subscribed, misses the message;
/// with ``PublisherConfiguration/WhenFull/drop`` (the default) a slow subscriber misses what
/// does not fit its queue, and counts it as a gap from the sequence numbers. See docs/PUBSUB.md.
///
/// ```swift
/// let prices = try await Publisher<Price>(topic: "prices", connect: "tcp://forwarder:7200")
/// try await prices.waitForSubscribers(1, timeout: .seconds(5))
/// try await prices.publish(Price(symbol: "ABC", cents: 1234), key: "EUR.ABC")   // topic prices.EUR.ABC
/// await prices.close()
/// ```
///
/// Its socket lives on an I/O thread of its own: `publish` encodes the event and queues it (no
/// system call, no suspension while there is room). The I/O thread numbers each message per
/// topic (1, 2, 3, …), in the order it hands them to libzmq.
public final class Publisher<Event: ProtobufMessage>: Sendable {
    /// The topic name every message starts with (the key follows it after a dot).
    public let topic: String
    /// This publisher's identifier on the wire (new for every publisher).
    public let id: PublisherID
    /// What this publisher was made with.
    public let configuration: Configuration
    /// Where the socket is bound (a `tcp://…:*` wildcard resolved) or connected.
    public let endpoints: [String]

    private let loop: IOLoop<PublisherDriver>
    private let shared: PublisherShared
    private let waiterIDs = Atomic<UInt64>(0)

    /// Creates a publisher bound to `endpoint`, where subscribers connect (no forwarder).
    ///
    /// ```swift
    /// let publisher = try await Publisher<Price>(topic: "prices", bind: "tcp://*:7300")
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The topic name (see ``Topic``).
    ///   - endpoint: `tcp://host:port` (port `*` picks one), `ipc://path` or `inproc://name`.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic, endpoint or configuration,
    ///   `UNAVAILABLE` when the endpoint cannot be bound.
    public convenience init(
        topic: String,
        bind endpoint: String,
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(topic: topic, attachment: .bind(endpoint), configuration: configuration)
    }

    /// Creates a publisher connected to forwarders (their publisher side) or subscribers that bind.
    ///
    /// ```swift
    /// let publisher = try await Publisher<Price>(topic: "prices", connect: ["tcp://forwarder:7200"])
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The topic name (see ``Topic``).
    ///   - endpoints: Where to connect.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic, endpoint or configuration.
    public convenience init(
        topic: String,
        connect endpoints: [String],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(topic: topic, attachment: .connect(endpoints), configuration: configuration)
    }

    /// Creates a publisher connected to one forwarder.
    ///
    /// ```swift
    /// let publisher = try await Publisher<Price>(topic: "prices", connect: forwarder.publisherEndpoint)
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The topic name (see ``Topic``).
    ///   - endpoint: Where to connect.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic, endpoint or configuration.
    public convenience init(
        topic: String,
        connect endpoint: String,
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(topic: topic, attachment: .connect([endpoint]), configuration: configuration)
    }

    /// The one initialiser the public ones call (also from `Publisher+EventTopic.swift`).
    init(topic: String, attachment: PubSubAttachment, configuration: Configuration) async throws {
        try Topic.validate(topic: topic)
        guard configuration.highWaterMark >= 1, configuration.highWaterMark <= Int(Int32.max) else {
            throw RPCError(
                code: .invalidArgument,
                message: "a publisher's high-water mark must be between 1 and \(Int32.max)"
            )
        }
        let id = PublisherID.random()
        let shared = PublisherShared(capacity: configuration.highWaterMark)
        let loop: IOLoop<PublisherDriver>
        let context: Context
        do {
            loop = try IOLoop(name: configuration.name)
            context = try configuration.transportContext?.context ?? Context()
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not start a publisher", cause: error)
        }
        let endpoints = Mutex<[String]>([])
        try await loop.start {
            let driver = try PublisherDriver(
                context: context,
                attachment: attachment,
                id: id,
                configuration: configuration,
                shared: shared
            )
            endpoints.withLock { $0 = driver.endpoints }
            return driver
        }
        self.topic = topic
        self.id = id
        self.configuration = configuration
        self.shared = shared
        self.loop = loop
        self.endpoints = endpoints.withLock { $0 }
        configuration.logger.debug(
            "publisher started",
            metadata: [
                "topic": "\(topic)", "id": "\(id)", "endpoints": "\(self.endpoints)",
                "when-full": "\(configuration.whenFull)",
            ]
        )
    }

    deinit {
        loop.requestStop()
    }

    /// Publishes `event` on `topic.key` (or `topic` without a key).
    ///
    /// Returns once the event is queued for the I/O thread. When full, `.drop` drops and counts
    /// it, `.wait` waits for room and `.fail` throws.
    ///
    /// ```swift
    /// try await prices.publish(price, key: "EUR.ABC")
    /// try await prices.publish(price, key: "EUR.ABC", metadata: ["traceparent": traceParent])
    /// ```
    ///
    /// - Parameters:
    ///   - event: The event; encoded on the calling task.
    ///   - key: Appended to the topic after a dot (printable ASCII, may hold dots); nil for none.
    ///   - metadata: Trace context and the like, carried in the header.
    /// - Throws: ``ZRPC/RPCError``: `RESOURCE_EXHAUSTED` when full with `.wait` or `.fail`,
    ///   `UNAVAILABLE` after ``close()``, `INVALID_ARGUMENT` for a bad key or an event or metadata
    ///   that cannot be encoded; `CancellationError` when cancelled while waiting. The event was
    ///   not sent in every case.
    public func publish(_ event: Event, key: String? = nil, metadata: Metadata = [:]) async throws {
        let topic = Topic.join(self.topic, key: key)
        if let key {
            guard !key.isEmpty else { throw RPCError(code: .invalidArgument, message: "a key must not be empty") }
            try Topic.validate(topic: topic)
        }
        for (name, value) in metadata where name.utf8.contains(0) || value.utf8.contains(0) {
            throw RPCError(code: .invalidArgument, message: "metadata must not hold NUL characters")
        }
        let staged: StagedEvent
        do {
            let payload = try event.withPacked { packed in
                try Frame(size: packed.size) { buffer in _ = packed.pack(into: buffer) }
            }
            staged = StagedEvent(
                topic: topic,
                topicFrame: try Frame(topic),
                payload: payload,
                timestampMicros: PubSubWire.nowMicros(),
                metadata: metadata
            )
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "could not encode \(Event.protobufCDescriptor.fullName): \(error)",
                cause: error
            )
        }
        switch shared.offer(staged, whenFull: configuration.whenFull) {
        case .staged(let notify):
            if notify { loop.submit(.flush) }
        case .dropped:
            break
        case .refused:
            throw RPCError(
                code: .resourceExhausted,
                message: "a subscriber's queue is full (\(shared.capacity) messages)",
                metadata: [RPCError.notSentMetadataKey: "true"]
            )
        case .mustWait:
            try await waitForRoom(staged, timeout: configuration.whenFull.waitTimeout ?? .zero)
        case .closed:
            throw PublisherDriver.closedError
        }
    }

    private func waitForRoom(_ event: StagedEvent, timeout: Duration) async throws {
        let id = waiterIDs.add(1, ordering: .relaxed).newValue
        let cancellation = PublishWaiter.Cancellation()
        let loop = loop
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                loop.submit(
                    .wait(
                        PublishWaiter(
                            id: id,
                            event: event,
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

    /// How many subscribers' welcome subscriptions reached this publisher (and they have not left).
    ///
    /// ```swift
    /// print(publisher.subscriberCount)
    /// ```
    public var subscriberCount: Int { shared.subscribers.value }

    /// Waits until at least `count` subscribers' subscriptions have reached this publisher: each
    /// subscriber sends its welcome subscription after its topic prefixes, so from then on they
    /// receive what this publisher sends on their topics (late joiners: docs/PUBSUB.md).
    ///
    /// ```swift
    /// try await publisher.waitForSubscribers(3, timeout: .seconds(5))
    /// ```
    ///
    /// - Parameters:
    ///   - count: Subscribers to wait for.
    ///   - timeout: The longest wait.
    /// - Throws: ``ZRPC/RPCError`` `DEADLINE_EXCEEDED` when fewer arrived in time, or the task was cancelled.
    public func waitForSubscribers(_ count: Int, timeout: Duration) async throws {
        guard await shared.subscribers.wait(until: { $0 >= count }, timeout: timeout) else {
            throw RPCError(
                code: .deadlineExceeded,
                message: "\(subscriberCount) of \(count) subscribers reached the publisher within \(timeout)"
            )
        }
    }

    /// The counters now.
    ///
    /// ```swift
    /// if publisher.statistics.dropped > 0 { logger.warning("publishing faster than the I/O thread") }
    /// ```
    public var statistics: Statistics { shared.statistics }

    /// Stops publishing: later publishes fail with `UNAVAILABLE`; what is queued goes to libzmq for
    /// up to ``PublisherConfiguration/linger``, then the socket closes with that linger. Messages
    /// that never reached libzmq are counted in ``PublisherStatistics/discarded``. Idempotent.
    ///
    /// ```swift
    /// await publisher.close()
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

    /// Runs `body` with a publisher connected to `endpoints` and closes it afterwards.
    ///
    /// ```swift
    /// try await Publisher<Price>.withPublisher(topic: "prices", connect: ["tcp://forwarder:7200"]) { prices in
    ///     try await prices.publish(price, key: "EUR.ABC")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The topic name.
    ///   - endpoints: Where to connect.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    ///   - body: Uses the publisher.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the publisher or `body` threw.
    nonisolated(nonsending) public static func withPublisher<Result: Sendable>(
        topic: String,
        connect endpoints: [String],
        configuration: Configuration = .defaults,
        _ body: (Publisher) async throws -> Result
    ) async throws -> Result {
        let publisher = try await Publisher(topic: topic, connect: endpoints, configuration: configuration)
        do {
            let result = try await body(publisher)
            await publisher.close()
            return result
        } catch {
            await publisher.close()
            throw error
        }
    }
}
