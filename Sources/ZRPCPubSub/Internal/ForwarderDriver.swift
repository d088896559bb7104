import Logging
import Synchronization
import ZRPC
internal import ZeroMQ

/// The forwarder's socket work, on its I/O thread: messages from the XSUB (publishers) go to the
/// XPUB (subscribers), counted per topic group; subscriptions from the XPUB go up the XSUB to the
/// publishers, and welcome subscriptions are answered with a forwarder welcome after they were
/// passed up. With a last-value cache, it subscribes upstream to the cached prefixes itself, keeps
/// the last message of each topic under them, and answers snapshot subscriptions with those.
final class ForwarderDriver: IOLoopDriver {
    enum Command: Sendable {}

    private static var batch: Int { 256 }

    private let frontend: Socket
    private let backend: Socket
    /// The sockets' places in the ZAP handler, for those that are CURVE servers (kept as long as they are).
    private let zap: [ZAPRegistration?]
    let publisherEndpoint: String
    let subscriberEndpoint: String
    private let id: PublisherID
    private let depth: Int
    private let statistics: ForwarderCounters
    private let logger: Logger
    private var counts = ForwarderStatistics()
    private var topics: [[UInt8]: ForwarderStatistics.TopicCounts] = [:]
    private var cache: LastValueCache

    init(
        context: Context,
        id: PublisherID,
        configuration: ForwarderConfiguration,
        statistics: ForwarderCounters
    ) throws {
        self.id = id
        self.statistics = statistics
        depth = max(1, configuration.statisticsDepth)
        logger = configuration.logger
        cache = LastValueCache(prefixes: configuration.lastValueCache, capacity: configuration.maxCachedTopics)
        do {
            frontend = try Socket(context, type: .xsubscribe)
            backend = try Socket(context, type: .xpublish)
            try frontend.set(.receiveHighWaterMark, configuration.highWaterMark)
            try frontend.set(.maxMessageSize, Int64(max(configuration.maxMessageBytes, 1024)))
            try backend.set(.sendHighWaterMark, configuration.highWaterMark)
            try backend.set(.maxMessageSize, 4096)
            // No ZMTP heartbeats: a pipe that back-pressure has filled stops the engine reading, so the
            // peer's pings go unread, the connection is dropped as dead, and libzmq 4.3.4 can then abort
            // (`_input_stopped`, zeromq/libzmq#3937). A dead peer's TCP connection still closes.
        } catch {
            throw PubSubWire.setupError(error, "create the forwarder's sockets")
        }
        do {
            let transport = configuration.transportContext
            zap = [
                try configuration.publisherSecurity.apply(to: frontend, transport: transport),
                try configuration.subscriberSecurity.apply(to: backend, transport: transport),
            ]
            publisherEndpoint = try PubSubAttachment.bind(configuration.publisherEndpoint).attach(frontend)[0]
            subscriberEndpoint = try PubSubAttachment.bind(configuration.subscriberEndpoint).attach(backend)[0]
        } catch {
            frontend.close()
            backend.close()
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<ForwarderDriver>) throws {
        // The cache needs every message under its prefixes, wanted by a subscriber or not.
        for prefix in cache.prefixes {
            _ = try frontend.send(try Frame(bytes: [1] + prefix), dontWait: true)
        }
        try poller.add(frontend)
        try poller.add(backend)
    }

    func handle(_ command: consuming Command) {}

    static func reject(_ command: Command) {}

    func serviceSockets(limit: Int) throws {
        try forwardSubscriptions()
        try forwardMessages()
        publishStatistics()
    }

    /// Passes subscriptions up to the publishers; answers welcomes once passed up.
    private func forwardSubscriptions() throws {
        while true {
            let received: (frame: Frame, subscription: PubSubWire.SubscriptionMessage?)?
            do {
                received = try backend.receiveMessage(dontWait: true, maxFrames: 1) { message in
                    (PubSubWire.subscription(message), message.frame(at: 0))
                }.map { ($0.1, $0.0) }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                continue
            }
            guard let received else { return }
            guard let subscription = received.subscription else { continue }
            if let prefix = subscription.snapshotRequest {
                // Answered here, never passed up; an unsubscribe of one needs nothing.
                if subscription.subscribe { try sendSnapshot(topic: subscription.prefix, prefix: prefix) }
                continue
            }
            _ = try frontend.send(received.frame, dontWait: true)
            counts.subscriptionsForwarded += 1
            counts.activeSubscriptions += subscription.subscribe ? 1 : -1
            if subscription.subscribe, subscription.welcomeID != nil {
                do {
                    let welcome = try PubSubWire.welcome(
                        topic: subscription.prefix,
                        kind: .forwarderWelcome,
                        sender: id
                    )
                    _ = try backend.send(welcome, dontWait: true)
                    counts.welcomes += 1
                } catch let error as ZMQError where error.code == .contextTerminated || error.code == .notSocket {
                    throw error
                } catch {
                    logger.error("forwarder cannot send a welcome: \(error)")
                }
            }
        }
    }

    /// Passes up to a batch of publishers' messages to the subscribers' side.
    private func forwardMessages() throws {
        for _ in 0..<Self.batch {
            var frames: [Frame]?
            do {
                frames = try frontend.receiveMessage(dontWait: true, maxFrames: PubSubWire.frameCount) { message in
                    guard message.count == PubSubWire.frameCount else { return [] }
                    return [message.frame(at: 0), message.frame(at: 1), message.frame(at: 2)]
                }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                frames = []
            }
            guard let frames else { return }
            guard frames.count == PubSubWire.frameCount else {
                reject()
                continue
            }
            counts.messagesIn += 1
            if cache.isEnabled, cache.record(topic: frames[0], header: frames[1], payload: frames[2]) {
                if cache.refused & (cache.refused - 1) == 0 {
                    logger.warning(
                        "forwarder's last-value cache is full: a new topic is not cached",
                        metadata: ["max-cached-topics": "\(cache.capacity)", "refused-so-far": "\(cache.refused)"]
                    )
                }
            }
            let group = frames[0].withUnsafeBytes { bytes in groupKey(bytes) }
            topics[group, default: .init()].messagesIn += 1
            // XPUB without NODROP never refuses: a full subscriber queue drops its copy.
            if try backend.send(frames, dontWait: true) {
                counts.messagesOut += 1
                topics[group, default: .init()].messagesOut += 1
            }
        }
    }

    /// Sends one subscriber (on its snapshot topic) the cached message of every topic that starts
    /// with `prefix`, each as a snapshot naming its topic, then the end of the snapshot with their
    /// count. Queued behind what was forwarded to that subscriber before, ahead of what comes after.
    private func sendSnapshot(topic: [UInt8], prefix: [UInt8]) throws {
        var sent: UInt64 = 0
        for (eventTopic, entry) in cache.entries(matching: prefix) {
            let decoded = entry.header.withUnsafeBytes { PubSubWire.header($0) }
            guard case .success(let header) = decoded, header.kind == .event else { continue }
            let frames = [
                try Frame(bytes: topic),
                try PubSubWire.headerFrame(
                    kind: .snapshot,
                    publisher: header.publisher,
                    sequence: header.sequence,
                    timestampMicros: header.timestampMicros,
                    metadata: header.metadata,
                    topic: String(decoding: eventTopic, as: UTF8.self)
                ),
                entry.payload,
            ]
            if try backend.send(frames, dontWait: true) { sent += 1 }
        }
        let end = [
            try Frame(bytes: topic),
            try PubSubWire.headerFrame(
                kind: .snapshotEnd,
                publisher: id,
                sequence: sent,
                timestampMicros: PubSubWire.nowMicros(),
                metadata: [:]
            ),
            Frame(),
        ]
        _ = try backend.send(end, dontWait: true)
        counts.snapshots += 1
        counts.snapshotEvents += Int(sent)
    }

    /// The topic up to the `depth`-th dot.
    private func groupKey(_ topic: UnsafeRawBufferPointer) -> [UInt8] {
        var dots = 0
        for (index, byte) in topic.enumerated() where byte == UInt8(ascii: ".") {
            dots += 1
            if dots == depth { return Array(topic[..<index]) }
        }
        return Array(topic)
    }

    private func reject() {
        counts.malformed += 1
        if counts.malformed & (counts.malformed - 1) == 0 {
            logger.warning(
                "forwarder dropped a message that is not three frames",
                metadata: ["dropped-so-far": "\(counts.malformed)"]
            )
        }
    }

    private func publishStatistics() {
        counts.cachedTopics = cache.entries.count
        counts.cacheRefused = cache.refused
        var snapshot = counts
        snapshot.topics = Dictionary(
            uniqueKeysWithValues: topics.map { (String(decoding: $0.key, as: UTF8.self), $0.value) }
        )
        statistics.state.withLock { $0 = snapshot }
    }

    func flush() {}

    var needsService: Bool { frontend.mayHaveUnannouncedEvents || backend.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? { nil }

    func fireTimers(now: ContinuousClock.Instant) {}

    func stop() {
        publishStatistics()
        frontend.close()
        backend.close()
    }
}

/// The forwarder's counters as its I/O thread last published them.
final class ForwarderCounters: Sendable {
    let state = Mutex(ForwarderStatistics())
}
