public import ProtobufC
import Synchronization
@_spi(ReadAhead) import ZRPC
internal import ZeroMQ

/// A typed subscription (a ZeroMQ SUB socket): the events of every topic that starts with one of
/// its prefixes, from every publisher it reaches (directly, or through a ``PubSubForwarder``),
/// and a ``SubscriptionElement/gap(_:)`` wherever the sequence numbers show messages were lost.
///
/// ```swift
/// let subscription = try await Subscription<Price>(connect: "tcp://forwarder:7201", topics: ["prices.EUR."])
/// try await subscription.waitUntilReady(timeout: .seconds(5))
/// for try await element in subscription.events {
///     switch element {
///     case .event(let event): show(event.message)
///     case .gap(let gap): resync(gap.topic)
///     }
/// }
/// ```
///
/// Ready means a welcome came back: the subscription's prefixes reached the forwarder or a
/// publisher (docs/PUBSUB.md, "Late joiners"). Messages that are not pub/sub messages, or whose
/// payload does not decode as `Event`, are counted (``SubscriptionStatistics/malformed``), logged
/// and skipped.
public final class Subscription<Event: ProtobufMessage>: Sendable {
    /// The prefixes subscribed to.
    public let topics: [String]
    /// This subscriber's identifier (its welcome topic is `~zrpc.welcome.` and this, in hex).
    public let id: PublisherID
    /// What this subscription was made with.
    public let configuration: Configuration
    /// Where the socket is connected (or bound).
    public let endpoints: [String]

    private let loop: IOLoop<SubscriptionDriver>
    private let shared: SubscriptionShared
    /// Who has acknowledged the subscription's prefixes (the readiness handshake).
    private let welcomes: Watched<Welcomes>

    /// Subscribes to `topics` (prefixes) at forwarders' subscriber side or publishers that bind.
    ///
    /// ```swift
    /// let orders = try await Subscription<Order>(connect: ["tcp://forwarder:7201"], topics: ["orders.created."])
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: Where to connect.
    ///   - topics: Prefixes (see ``Topic``); `""` subscribes to everything.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad prefix, endpoint or configuration.
    public convenience init(
        connect endpoints: [String],
        topics: [String],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(attachment: .connect(endpoints), topics: topics, configuration: configuration)
    }

    /// Subscribes to `topics` at one forwarder or publisher.
    ///
    /// ```swift
    /// let prices = try await Subscription<Price>(connect: forwarder.subscriberEndpoint, topics: ["prices."])
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to connect.
    ///   - topics: Prefixes (see ``Topic``); `""` subscribes to everything.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad prefix, endpoint or configuration.
    public convenience init(
        connect endpoint: String,
        topics: [String],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(attachment: .connect([endpoint]), topics: topics, configuration: configuration)
    }

    /// Subscribes to `topics` on a bound socket that publishers connect to.
    ///
    /// ```swift
    /// let sink = try await Subscription<Metric>(bind: "tcp://*:7400", topics: [""])
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to bind.
    ///   - topics: Prefixes (see ``Topic``).
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` or `UNAVAILABLE` when it cannot bind.
    public convenience init(
        bind endpoint: String,
        topics: [String],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(attachment: .bind(endpoint), topics: topics, configuration: configuration)
    }

    /// The one initialiser the public ones call (also from `Subscription+EventTopic.swift`).
    init(attachment: PubSubAttachment, topics: [String], configuration: Configuration) async throws {
        guard !topics.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "a subscription needs at least one prefix (\"\" for all)")
        }
        for topic in topics { try Topic.validate(prefix: topic) }
        guard configuration.highWaterMark >= 1, configuration.highWaterMark <= Int(Int32.max) else {
            throw RPCError(code: .invalidArgument, message: "a subscription's high-water mark must be 1 or more")
        }
        let id = PublisherID.random()
        let shared = SubscriptionShared(capacity: configuration.highWaterMark, counters: SubscriptionStatistics())
        let welcomes = Watched(Welcomes())
        let loop: IOLoop<SubscriptionDriver>
        let context: Context
        do {
            loop = try IOLoop(name: configuration.name)
            context = try configuration.transportContext?.context ?? Context()
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not start a subscription", cause: error)
        }
        let endpoints = Mutex<[String]>([])
        try await loop.start {
            let driver = try SubscriptionDriver(
                context: context,
                attachment: attachment,
                prefixes: topics,
                welcomeTopic: PubSubWire.welcomeTopic(id),
                snapshotTopicPrefix: configuration.snapshot ? PubSubWire.snapshotTopic(id, prefix: []) : nil,
                configuration: configuration,
                shared: shared,
                welcomes: welcomes
            )
            endpoints.withLock { $0 = driver.endpoints }
            return driver
        }
        self.topics = topics
        self.id = id
        self.configuration = configuration
        self.shared = shared
        self.welcomes = welcomes
        self.loop = loop
        self.endpoints = endpoints.withLock { $0 }
        configuration.logger.debug(
            "subscription started",
            metadata: ["topics": "\(topics)", "id": "\(id)", "endpoints": "\(self.endpoints)"]
        )
    }

    deinit {
        loop.requestStop()
    }

    /// The next event or gap, or nil once the subscription is closed and what it read ahead is taken.
    ///
    /// ```swift
    /// while let element = try await subscription.next() { handle(element) }
    /// ```
    ///
    /// - Returns: The element, or nil at the end.
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    public func next() async throws -> SubscriptionElement<Event>? {
        let loop = loop
        while let item = try await shared.next(resume: { loop.submit(.resume) }) {
            switch item {
            case .gap(let gap):
                return .gap(gap)
            case .disconnected(let endpoint):
                return .disconnected(endpoint: endpoint)
            case .event(let topic, let header, let payload):
                do {
                    let message = try payload.withUnsafeBytes { bytes in
                        try Event(serializedBytes: bytes, limits: configuration.decodingLimits)
                    }
                    shared.updateCounters { $0.received += 1 }
                    return .event(
                        ReceivedEvent(
                            message: message,
                            topic: topic,
                            publisher: header.publisher,
                            sequence: header.sequence,
                            timestampUnixMicros: header.timestampMicros,
                            metadata: header.metadata,
                            fromSnapshot: header.kind == .snapshot
                        )
                    )
                } catch {
                    let malformed = shared.updateCounters { counters in
                        counters.malformed += 1
                        return counters.malformed
                    }
                    if malformed & (malformed - 1) == 0 {
                        configuration.logger.warning(
                            "subscription dropped a message that does not decode as \(Event.protobufCDescriptor.fullName)",
                            metadata: [
                                "topic": "\(topic)", "publisher": "\(header.publisher)", "bytes": "\(payload.count)",
                                "error": "\(error)", "malformed-so-far": "\(malformed)",
                            ]
                        )
                    }
                }
            }
        }
        return nil
    }

    /// The events and gaps, as an async sequence.
    ///
    /// ```swift
    /// for try await element in subscription.events {
    ///     if case .event(let event) = element { apply(event.message) }
    /// }
    /// ```
    public var events: Events { Events(subscription: self) }

    /// The events and gaps of a ``Subscription``; iterating it calls ``Subscription/next()``.
    ///
    /// ```swift
    /// for try await element in subscription.events { … }
    /// ```
    public struct Events: AsyncSequence, Sendable {
        /// An event or a gap.
        public typealias Element = SubscriptionElement<Event>
        let subscription: Subscription

        /// An iterator; several may be used at once (each element goes to one).
        ///
        /// ```swift
        /// var iterator = subscription.events.makeAsyncIterator()
        /// ```
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: subscription) }

        /// Iterates a subscription's events and gaps.
        ///
        /// ```swift
        /// let first = try await iterator.next()
        /// ```
        public struct AsyncIterator: AsyncIteratorProtocol {
            let subscription: Subscription

            /// The next element, or nil at the end (see ``Subscription/next()``).
            ///
            /// - Returns: The element, or nil once the subscription is closed and drained.
            /// - Throws: `CancellationError` when cancelled while waiting.
            public mutating func next() async throws -> Element? { try await subscription.next() }
        }
    }

    /// Whether a welcome came back (from a forwarder or a publisher): the prefixes reached it.
    ///
    /// ```swift
    /// if subscription.isReady { startPublishing() }
    /// ```
    public var isReady: Bool { welcomes.value.isReady }

    /// The publishers whose welcome reached this subscription: each has every prefix of it, so
    /// everything it publishes on them from now on comes here (or shows as a gap).
    ///
    /// ```swift
    /// print(subscription.welcomingPublishers.count)
    /// ```
    public var welcomingPublishers: Set<PublisherID> { welcomes.value.publishers }

    /// Waits until the subscription is ready: its prefixes reached the forwarder it connects to
    /// (or a publisher it connects to directly). Through a forwarder, a publisher that has not
    /// yet received the forwarded prefixes may still filter a message out: wait for
    /// ``waitForPublishers(_:timeout:)`` to be sure of a given publisher.
    ///
    /// ```swift
    /// try await subscription.waitUntilReady(timeout: .seconds(5))
    /// ```
    ///
    /// - Parameter timeout: The longest wait.
    /// - Throws: ``ZRPC/RPCError`` `DEADLINE_EXCEEDED` when no welcome came in time.
    public func waitUntilReady(timeout: Duration) async throws {
        guard await awaitWelcomes(until: { $0.isReady }, timeout: timeout) else {
            throw RPCError(code: .deadlineExceeded, message: "no welcome reached the subscription within \(timeout)")
        }
    }

    /// Waits until `count` publishers have welcomed this subscription (each has all its prefixes).
    ///
    /// ```swift
    /// try await subscription.waitForPublishers(3, timeout: .seconds(5))
    /// ```
    ///
    /// - Parameters:
    ///   - count: Publishers to wait for.
    ///   - timeout: The longest wait.
    /// - Throws: ``ZRPC/RPCError`` `DEADLINE_EXCEEDED` when fewer welcomed it in time.
    public func waitForPublishers(_ count: Int, timeout: Duration) async throws {
        guard await awaitWelcomes(until: { $0.publishers.count >= count }, timeout: timeout) else {
            throw RPCError(
                code: .deadlineExceeded,
                message:
                    "\(welcomingPublishers.count) of \(count) publishers welcomed the subscription within \(timeout)"
            )
        }
    }

    /// Waits for welcomes; meanwhile the I/O thread reads on even when the buffer is full, and asks
    /// for welcomes again now and then (one may have been dropped on its way).
    private func awaitWelcomes(
        until isSatisfied: @escaping @Sendable (Welcomes) -> Bool,
        timeout: Duration
    ) async -> Bool {
        let loop = loop
        return await welcomes.wait(until: isSatisfied, timeout: timeout) { loop.submit(.readinessWait) }
    }

    /// The counters now.
    ///
    /// ```swift
    /// if subscription.statistics.missed > 0 { logger.warning("lost events") }
    /// ```
    public var statistics: Statistics { shared.counters }

    /// Stops receiving and closes the socket; iteration ends once what was read ahead is taken.
    /// Idempotent.
    ///
    /// ```swift
    /// await subscription.close()
    /// ```
    public func close() async {
        await loop.shutdown()
    }

    /// Runs `body` with a subscription and closes it afterwards.
    ///
    /// ```swift
    /// try await Subscription<Price>.withSubscription(connect: ["tcp://forwarder:7201"], topics: ["prices."]) { prices in
    ///     for try await element in prices.events { handle(element) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: Where to connect.
    ///   - topics: Prefixes.
    ///   - configuration: High-water mark, limits, context.
    ///   - body: Uses the subscription.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the subscription or `body` threw.
    nonisolated(nonsending) public static func withSubscription<Result: Sendable>(
        connect endpoints: [String],
        topics: [String],
        configuration: Configuration = .defaults,
        _ body: (Subscription) async throws -> Result
    ) async throws -> Result {
        let subscription = try await Subscription(connect: endpoints, topics: topics, configuration: configuration)
        do {
            let result = try await body(subscription)
            await subscription.close()
            return result
        } catch {
            await subscription.close()
            throw error
        }
    }
}
