import Foundation
import Logging
@_spi(ReadAhead) import ZRPC
internal import ZeroMQ

/// The subscription's socket work, on its I/O thread: a SUB socket read into the shared buffer
/// (frames and header checked, gaps and duplicates found from the sequence numbers, welcomes
/// recorded, snapshots taken in) until the buffer is full; then the socket leaves the poller until
/// a reader asks for more.
final class SubscriptionDriver: IOLoopDriver {
    enum Command: Sendable {
        case resume
        /// A task began waiting for welcomes: read even when the buffer is full, and ask again.
        case readinessWait
    }

    /// How long a readiness wait goes without its welcomes before the welcome topic is
    /// subscribed again (a welcome can be dropped on its way, like any message).
    private static var welcomeRetry: Duration { .milliseconds(500) }

    private struct StreamKey: Hashable {
        let publisher: PublisherID
        let topic: String
    }

    private static var batch: Int { 256 }

    private let socket: Socket
    /// Reads the socket's monitor: lost connections.
    private let monitor: Socket
    /// The socket's place in the ZAP handler when it is a CURVE server (kept as long as the socket).
    private let zap: ZAPRegistration?
    let endpoints: [String]
    private let welcomeTopic: [UInt8]
    /// `~zrpc.snapshot.<id>.` when this subscription asked for snapshots.
    private let snapshotTopicPrefix: [UInt8]?
    /// Snapshot events received per snapshot topic whose end has not come yet.
    private var snapshotReceived: [[UInt8]: UInt64] = [:]
    private let shared: SubscriptionShared
    private let welcomes: Watched<Welcomes>
    private let logger: Logger
    private weak var poller: DescriptorPoller?
    private var reading = true
    private var items: [SubscriptionItem] = []
    /// The last sequence number seen per publisher and topic.
    private var lastSequences: [StreamKey: UInt64] = [:]
    private var publishers: [PublisherID: SubscriptionStatistics.PublisherTally] = [:]
    private var malformed = 0
    private var malformedTotal = 0
    private var gaps = 0
    private var missed: UInt64 = 0
    private var duplicates = 0
    private var snapshotEvents = 0
    private var snapshots = 0
    private var snapshotShortfall = 0
    /// When the welcome topic is subscribed again if a readiness wait is still pending.
    private var nextWelcomeRequest: ContinuousClock.Instant?

    init(
        context: Context,
        attachment: PubSubAttachment,
        prefixes: [String],
        welcomeTopic: [UInt8],
        snapshotTopicPrefix: [UInt8]?,
        configuration: SubscriptionConfiguration,
        shared: SubscriptionShared,
        welcomes: Watched<Welcomes>
    ) throws {
        self.shared = shared
        self.welcomes = welcomes
        self.welcomeTopic = welcomeTopic
        self.snapshotTopicPrefix = snapshotTopicPrefix
        logger = configuration.logger
        do {
            socket = try Socket(context, type: .subscribe)
            try socket.set(.receiveHighWaterMark, configuration.highWaterMark)
            try socket.set(.maxMessageSize, Int64(max(configuration.maxMessageBytes, 1024)))
            // No ZMTP heartbeats: a pipe that back-pressure has filled stops the engine reading, so the
            // peer's pings go unread, the connection is dropped as dead, and libzmq 4.3.4 can then abort
            // (`_input_stopped`, zeromq/libzmq#3937). A dead peer's TCP connection still closes.
            try socket.set(.handshakeInterval, .seconds(10))
            for prefix in prefixes { try socket.set(.subscribe, Array(prefix.utf8)) }
            // Then the snapshot topics, then the welcome: libzmq sends a socket's prefixes in byte
            // order, `~` sorts after every application prefix and `~zrpc.snapshot.` before
            // `~zrpc.welcome.`, so a forwarder has the prefixes when it sends a snapshot, and
            // whoever answers the welcome has all of them (and sent the snapshot before it).
            if let snapshotTopicPrefix {
                for prefix in prefixes { try socket.set(.subscribe, snapshotTopicPrefix + Array(prefix.utf8)) }
            }
            try socket.set(.subscribe, welcomeTopic)
        } catch {
            throw PubSubWire.setupError(error, "create a SUB socket")
        }
        do {
            let address = "inproc://zrpc-subscription-monitor-\(UUID().uuidString)"
            try socket.monitor(address, events: .disconnected)
            monitor = try Socket(context, type: .pair)
            try monitor.connect(address)
        } catch {
            socket.close()
            throw PubSubWire.setupError(error, "monitor a SUB socket")
        }
        do {
            zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
            endpoints = try attachment.attach(socket)
        } catch {
            socket.close()
            monitor.close()
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<SubscriptionDriver>) throws {
        self.poller = poller
        try poller.add(socket)
        try poller.add(monitor)
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .resume:
            shared.resumed()
            guard !reading, let poller else { return }
            do {
                try poller.add(socket)
                reading = true
            } catch {
                logger.error("subscription cannot read: \(error)", metadata: ["endpoints": "\(endpoints)"])
            }
        case .readinessWait:
            if nextWelcomeRequest == nil { nextWelcomeRequest = .now + Self.welcomeRetry }
            handle(.resume)
        }
    }

    static func reject(_ command: Command) {}

    func serviceSockets(limit: Int) throws {
        try readMonitor()
        guard reading else { return }
        // While a task waits for welcomes, reading goes on even with a full buffer: a paused reader
        // fills libzmq's queues, and the sender then drops the very welcome being waited for.
        let awaitingWelcomes = welcomes.isAwaited
        let room = awaitingWelcomes ? Self.batch : min(shared.room, Self.batch)
        guard room > 0 else {
            pause()
            return
        }
        var read = 0
        let gapsBefore = gaps
        let missedBefore = missed
        while read < room {
            var got: Bool
            do {
                got =
                    try socket.receiveMessage(dontWait: true, maxFrames: PubSubWire.frameCount) { message in
                        take(message)
                    } != nil
            } catch let error as ZMQError where error.code == .messageTooLarge {
                reject(.frameCount(PubSubWire.frameCount + 1))
                got = true
            }
            guard got else { break }
            read += 1
        }
        guard read > 0 || malformed > 0 else { return }
        let counted = (
            malformed: malformed, gaps: gaps - gapsBefore, missed: missed - missedBefore, publishers: publishers,
            duplicates: duplicates, snapshotEvents: snapshotEvents, snapshots: snapshots,
            snapshotShortfall: snapshotShortfall
        )
        var full = shared.deliver(
            &items,
            counting: { counters in
                counters.malformed += counted.malformed
                counters.gaps += counted.gaps
                counters.missed += counted.missed
                counters.publishers = counted.publishers
                counters.duplicates += counted.duplicates
                counters.snapshotEvents += counted.snapshotEvents
                counters.snapshots += counted.snapshots
                counters.snapshotShortfall += counted.snapshotShortfall
            }
        )
        if full, awaitingWelcomes { full = discardUnwelcomed() }
        if full { pause() }
        malformed = 0
        duplicates = 0
        snapshotEvents = 0
        snapshots = 0
        snapshotShortfall = 0
    }

    /// Hands over every lost connection the monitor reported (also while reading is paused:
    /// the buffer may then go one item over).
    private func readMonitor() throws {
        var lost: [SubscriptionItem] = []
        while let event = try monitor.receiveMonitorEvent(dontWait: true) {
            guard event.event == .disconnected else { continue }
            lost.append(.disconnected(endpoint: event.endpoint))
            logger.warning("subscription lost a connection", metadata: ["endpoint": "\(event.endpoint)"])
        }
        guard !lost.isEmpty else { return }
        let count = lost.count
        if shared.deliver(&lost, counting: { $0.disconnections += count }) { pause() }
    }

    /// Makes room by discarding the oldest items of publishers that have not welcomed this
    /// subscription (its start for them is later); a welcomed publisher's items are kept.
    ///
    /// - Returns: Whether the buffer is still full.
    private func discardUnwelcomed() -> Bool {
        let welcomed = welcomes.value.publishers
        let (full, discarded) = shared.discardOldest(
            where: { item in item.publisher.map { !item.isSnapshot && !welcomed.contains($0) } ?? false },
            counting: { counters, discarded in counters.discardedBeforeReady += discarded }
        )
        // A stream whose newest item went starts again with its next one (a later event, or a
        // snapshot of it), without a gap: what was discarded came before its start.
        for case .event(let topic, let header, _) in discarded {
            let key = StreamKey(publisher: header.publisher, topic: topic)
            if lastSequences[key] == header.sequence { lastSequences[key] = nil }
        }
        return full
    }

    /// Subscribes to the welcome topic again, so that every publisher and forwarder that has
    /// this subscription's prefixes answers again.
    private func requestWelcomes() {
        do {
            try socket.set(.unsubscribe, welcomeTopic)
            try socket.set(.subscribe, welcomeTopic)
        } catch {
            logger.error("subscription cannot ask for welcomes: \(error)", metadata: ["endpoints": "\(endpoints)"])
        }
    }

    /// Checks one message and turns it into items (or a welcome, or a count of malformed).
    private func take(_ message: borrowing ReceivedMessage) {
        guard message.count == PubSubWire.frameCount else {
            reject(.frameCount(message.count))
            return
        }
        let topicBytes = message.withUnsafeBytes(at: 0) { Array($0) }
        let decoded = message.withUnsafeBytes(at: 1) { PubSubWire.header($0) }
        if topicBytes.first == PubSubWire.reservedFirstByte {
            // Another subscriber's welcome or snapshot (this one subscribed to everything) is not news.
            guard case .success(let header) = decoded else { return }
            if topicBytes == welcomeTopic {
                switch header.kind {
                case .publisherWelcome: welcomes.update { $0.publishers.insert(header.publisher) }
                case .forwarderWelcome: welcomes.update { $0.forwarders.insert(header.publisher) }
                default: break
                }
            } else if let snapshotTopicPrefix, topicBytes.starts(with: snapshotTopicPrefix) {
                takeSnapshot(header, on: topicBytes, prefix: topicBytes.dropFirst(snapshotTopicPrefix.count), message)
            }
            return
        }
        let header: PubSubWire.Header
        switch decoded {
        case .success(let value): header = value
        case .failure(let rejection):
            reject(rejection)
            return
        }
        guard header.kind == .event, header.sequence > 0 else {
            reject(.header("an event needs kind EVENT and a sequence number above 0"))
            return
        }
        accept(header, topic: String(decoding: topicBytes, as: UTF8.self), payload: message.frame(at: 2))
    }

    /// One message of a snapshot this subscription asked for: an event to take in, or its end.
    private func takeSnapshot(
        _ header: PubSubWire.Header,
        on snapshotTopic: [UInt8],
        prefix: ArraySlice<UInt8>,
        _ message: borrowing ReceivedMessage
    ) {
        switch header.kind {
        case .snapshot:
            let topic = header.topic.utf8
            guard header.sequence > 0, !topic.isEmpty, topic.starts(with: prefix),
                (try? Topic.validate(topic: header.topic)) != nil
            else {
                reject(.header("a snapshot event needs a sequence number above 0 and a topic under its prefix"))
                return
            }
            snapshotReceived[snapshotTopic, default: 0] += 1
            snapshotEvents += 1
            accept(header, topic: header.topic, payload: message.frame(at: 2))
        case .snapshotEnd:
            let received = snapshotReceived.removeValue(forKey: snapshotTopic) ?? 0
            snapshots += 1
            guard header.sequence > received else { return }
            snapshotShortfall += Int(header.sequence - received)
            logger.warning(
                "a snapshot arrived incomplete (a queue on the way was full)",
                metadata: [
                    "prefix": "\(String(decoding: prefix, as: UTF8.self))", "sent": "\(header.sequence)",
                    "received": "\(received)",
                ]
            )
        default:
            break
        }
    }

    /// An event (live, or from a snapshot): dropped when its stream already has it or a newer one,
    /// after a gap item when numbers are missing before it.
    private func accept(_ header: PubSubWire.Header, topic: String, payload: Frame) {
        let key = StreamKey(publisher: header.publisher, topic: topic)
        // One hash per table for a message that follows its predecessor (hashing is much of this
        // thread's work): the update returns the last number, the defaulted subscript adds in place.
        publishers[header.publisher, default: .init()].received += 1
        let last = lastSequences.updateValue(header.sequence, forKey: key)
        if let last, header.sequence <= last {
            lastSequences[key] = last  // a duplicate (rare): the newer number stays
            duplicates += 1
            return
        }
        if let last, header.sequence > last + 1 {
            let gap = SubscriptionGap(
                publisher: header.publisher,
                topic: topic,
                lastSequence: last,
                nextSequence: header.sequence
            )
            publishers[header.publisher, default: .init()].gaps += 1
            publishers[header.publisher, default: .init()].missed += gap.missed
            gaps += 1
            missed += gap.missed
            items.append(.gap(gap))
        }
        items.append(.event(topic: topic, header: header, payload: payload))
    }

    func flush() {}

    var needsService: Bool { (reading && socket.mayHaveUnannouncedEvents) || monitor.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? { nextWelcomeRequest }

    func fireTimers(now: ContinuousClock.Instant) {
        guard let due = nextWelcomeRequest, due <= now else { return }
        guard welcomes.isAwaited else {
            nextWelcomeRequest = nil
            return
        }
        requestWelcomes()
        nextWelcomeRequest = now + Self.welcomeRetry
    }

    func stop() {
        socket.close()
        monitor.close()
        shared.finish()
    }

    private func pause() {
        guard reading else { return }
        reading = false
        poller?.remove(socket)
    }

    private func reject(_ rejection: PubSubWire.Rejection) {
        malformed += 1
        malformedTotal += 1
        if malformedTotal & (malformedTotal - 1) == 0 {
            logger.warning(
                "subscription dropped a malformed message: \(rejection)",
                metadata: ["endpoints": "\(endpoints)", "dropped-so-far": "\(malformedTotal)"]
            )
        }
    }
}
