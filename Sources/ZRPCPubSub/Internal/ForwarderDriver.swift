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
    private let publishRules: TopicRules
    private let subscribeRules: TopicRules
    /// Per prefix, the subscriptions applied and passed upstream (first one up, last one down).
    private var upstream: [[UInt8]: Int] = [:]
    /// Per prefix, the subscriptions refused and not yet withdrawn.
    private var refused: [[UInt8]: Int] = [:]
    /// The distinct prefixes each subscriber holds, against ``ForwarderConfiguration/maxSubscriptionsPerPeer``.
    private var quota: SubscriptionQuota
    private var deniedLog = OncePerInterval<String>(interval: .seconds(10))

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
        publishRules = TopicRules(configuration.authorization.publish)
        subscribeRules = TopicRules(configuration.authorization.subscribe)
        quota = SubscriptionQuota(limit: configuration.maxSubscriptionsPerPeer)
        do {
            frontend = try Socket(context, type: .xsubscribe)
            backend = try Socket(context, type: .xpublish)
            try frontend.set(.receiveHighWaterMark, configuration.highWaterMark)
            // The XSUB sends only subscriptions upstream, one per distinct prefix (bounded by the
            // subscribers' limits), and replays them all to a publisher that connects: a full pipe
            // would drop the rest of them (libzmq does not retry), so it has no high-water mark.
            try frontend.set(.sendHighWaterMark, 0)
            try frontend.set(.maxMessageSize, Int64(max(configuration.maxMessageBytes, 1024)))
            try backend.set(.sendHighWaterMark, configuration.highWaterMark)
            try backend.set(.maxMessageSize, 4096)
            // The XPUB applies no subscription itself: each is read with its sender's User-Id (CURVE)
            // and applied (to that sender only) when the rules allow it and the sender is under its
            // limit of subscriptions.
            try backend.set(.xpubManual, true)
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

    /// Passes subscriptions up to the publishers (the first of each prefix; the last one withdrawn
    /// takes it down); answers welcomes once passed up and snapshots. One the sender's key may not
    /// hold, or over the sender's limit of subscriptions, is refused: not applied, not passed up,
    /// counted.
    private func forwardSubscriptions() throws {
        while true {
            let received: (subscription: PubSubWire.SubscriptionMessage?, key: String?)?
            do {
                received = try backend.receiveMessage(dontWait: true, maxFrames: 1) { message in
                    (PubSubWire.subscription(message), message.metadata("User-Id", at: 0))
                }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                continue
            }
            guard let received else { return }
            guard let subscription = received.subscription else { continue }
            if subscription.subscribe {
                try subscribe(subscription, key: received.key)
            } else {
                try unsubscribe(subscription, key: received.key)
            }
        }
    }

    /// Applies and passes up a subscription the rules allow and the sender's limit leaves room for;
    /// counts one refused.
    private func subscribe(_ subscription: PubSubWire.SubscriptionMessage, key: String?) throws {
        let prefix = subscription.prefix
        guard subscribeRules.permits(subscription, key: key) else {
            refused[prefix, default: 0] += 1
            counts.deniedSubscriptions += 1
            logDenied(key, "subscribe", prefix)
            return
        }
        guard quota.admit(prefix, key: key) else {
            refused[prefix, default: 0] += 1
            counts.subscriptionsOverLimit += 1
            logOverLimit(key)
            return
        }
        try backend.set(.subscribe, prefix)
        if let snapshot = subscription.snapshotRequest {
            // Answered here, never passed up.
            try sendSnapshot(topic: prefix, prefix: snapshot)
            return
        }
        upstream[prefix, default: 0] += 1
        if upstream[prefix] == 1 {
            _ = try frontend.send(try Frame(bytes: [1] + prefix), dontWait: true)
            counts.subscriptionsForwarded += 1
        }
        counts.activeSubscriptions = upstream.count
        if subscription.welcomeID != nil {
            do {
                let welcome = try PubSubWire.welcome(topic: prefix, kind: .forwarderWelcome, sender: id)
                _ = try backend.send(welcome, dontWait: true)
                counts.welcomes += 1
            } catch let error as ZMQError where error.code == .contextTerminated || error.code == .notSocket {
                throw error
            } catch {
                logger.error("forwarder cannot send a welcome: \(error)")
            }
        }
    }

    /// Withdraws a subscription. One with a key withdraws that subscriber's own (if it was refused,
    /// nothing more). One without a key (libzmq's own, for a subscriber that left, or any plain-text
    /// subscriber's) counts against the refused ones first: passing a prefix up too long costs only
    /// traffic, taking it down too early would cut off the subscribers that still hold it.
    private func unsubscribe(_ subscription: PubSubWire.SubscriptionMessage, key: String?) throws {
        let prefix = subscription.prefix
        let wasRefused = key == nil ? refused[prefix, default: 0] > 0 : !quota.holds(prefix, key: key)
        if wasRefused {
            refused[prefix, default: 0] -= 1
            if refused[prefix, default: 0] <= 0 { refused[prefix] = nil }
            return
        }
        quota.withdraw(prefix, key: key)
        try backend.set(.unsubscribe, prefix)
        guard subscription.snapshotRequest == nil, let held = upstream[prefix] else { return }
        if held > 1 {
            upstream[prefix] = held - 1
        } else {
            upstream[prefix] = nil
            _ = try frontend.send(try Frame(bytes: [0] + prefix), dontWait: true)
            counts.subscriptionsForwarded += 1
        }
        counts.activeSubscriptions = upstream.count
    }

    /// Logs a refusal, at most once per key per interval, with the count of those not logged.
    private func logDenied(_ key: String?, _ action: String, _ topic: [UInt8]) {
        let peer = key ?? "none"
        guard let suppressed = deniedLog.record(peer + " " + action, now: .now) else { return }
        logger.warning(
            "forwarder refused a peer's \(action): its key may not \(action) on this topic",
            metadata: [
                "peer-key": "\(peer)", "topic": "\(String(decoding: topic, as: UTF8.self))",
                "refused-since-last-line": "\(suppressed)",
            ]
        )
    }

    /// Logs a subscriber over its limit of subscriptions, at most once per key (plain text: once for
    /// all) per interval, with the count of those not logged.
    private func logOverLimit(_ key: String?) {
        let peer = key ?? "none (plain text: every subscriber together)"
        guard let suppressed = deniedLog.record(peer + " over-limit", now: .now) else { return }
        logger.warning(
            "forwarder refused a subscription: the subscriber holds its limit of subscriptions",
            metadata: [
                "peer-key": "\(peer)", "max-subscriptions-per-peer": "\(quota.limit)",
                "refused-since-last-line": "\(suppressed)",
            ]
        )
    }

    /// Passes up to a batch of publishers' messages to the subscribers' side.
    private func forwardMessages() throws {
        for _ in 0..<Self.batch {
            var received: (frames: [Frame], key: String?)?
            let checksKeys = !publishRules.isEmpty
            do {
                received = try frontend.receiveMessage(dontWait: true, maxFrames: PubSubWire.frameCount) { message in
                    guard message.count == PubSubWire.frameCount else { return ([], nil) }
                    let key = checksKeys ? message.metadata("User-Id", at: 0) : nil
                    return ([message.frame(at: 0), message.frame(at: 1), message.frame(at: 2)], key)
                }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                received = ([], nil)
            }
            guard let received else { return }
            let (frames, key) = received
            guard frames.count == PubSubWire.frameCount else {
                reject()
                continue
            }
            if checksKeys, !permitsEvent(topic: frames[0], key: key) {
                counts.deniedEvents += 1
                logDenied(key, "publish", frames[0].withUnsafeBytes { Array($0) })
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

    /// Whether `key` may publish on `topic` (a welcome from a publisher always passes).
    private func permitsEvent(topic: Frame, key: String?) -> Bool {
        topic.withUnsafeBytes { bytes in
            bytes.starts(with: PubSubWire.welcomePrefix) || publishRules.permits(key, topic: bytes)
        }
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
