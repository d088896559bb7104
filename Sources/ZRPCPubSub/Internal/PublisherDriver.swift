import DequeModule
import Logging
import Synchronization
import ZRPC
internal import ZeroMQ

/// A publish waiting for room (back-pressure), parked on the publisher's I/O thread.
struct PublishWaiter: Sendable {
    /// Set by the waiting task's cancellation handler before it posts `.cancelWait`.
    final class Cancellation: Sendable {
        let isCancelled = Atomic<Bool>(false)
    }

    let id: UInt64
    let event: StagedEvent
    let deadline: ContinuousClock.Instant
    let timeout: Duration
    let cancellation: Cancellation
    let continuation: CheckedContinuation<Void, any Error>
}

/// The publisher's socket work, on its I/O thread: an XPUB socket, the queue of messages libzmq
/// has not taken yet, sequence numbers per topic, and the subscriptions it reads (welcomes are
/// answered here, and counted as subscribers).
///
/// Sequence numbers are given here, in the order messages go to libzmq, so they are gapless per
/// topic whatever the tasks that publish do, and a refused message never takes one.
final class PublisherDriver: IOLoopDriver {
    enum Command: Sendable {
        case flush
        case wait(PublishWaiter)
        case cancelWait(UInt64)
        case drain(ContinuousClock.Instant, CheckedContinuation<Void, Never>)
    }

    /// An outbound message: an event not yet numbered, or frames ready to go (a numbered event
    /// the socket refused, or a welcome).
    private enum Outgoing {
        case event(StagedEvent)
        case numbered([Frame])
        case welcome([Frame])
    }

    /// While back-pressured, how often the socket is tried again even if its descriptor stays quiet.
    private static var blockedRetry: Duration { .milliseconds(2) }

    private let socket: Socket
    /// The socket's place in the ZAP handler when it is a CURVE server (kept as long as the socket).
    private let zap: ZAPRegistration?
    let endpoints: [String]
    private let id: PublisherID
    private let shared: PublisherShared
    private let logger: Logger
    private var outbound = Deque<Outgoing>()
    private var spare: [StagedEvent] = []
    private var waiters = Deque<PublishWaiter>()
    private var sequences: [String: UInt64] = [:]
    /// The welcome ids of the subscribers this publisher has seen (and not seen leave).
    private var subscribers = Set<[UInt8]>()
    private var blockedSince: ContinuousClock.Instant?
    private let subscribeRules: TopicRules
    private var deniedLog = OncePerInterval<String>(interval: .seconds(10))
    private var draining: (deadline: ContinuousClock.Instant, done: CheckedContinuation<Void, Never>)?

    init(
        context: Context,
        attachment: PubSubAttachment,
        id: PublisherID,
        configuration: PublisherConfiguration,
        shared: PublisherShared
    ) throws {
        self.id = id
        self.shared = shared
        logger = configuration.logger
        subscribeRules = TopicRules(configuration.authorization.subscribe)
        do {
            socket = try Socket(context, type: .xpublish)
            try socket.set(.sendHighWaterMark, configuration.highWaterMark)
            try socket.set(.linger, configuration.linger)
            try socket.set(.xpubNoDrop, !configuration.whenFull.dropsAtHighWaterMark)
            // No ZMTP heartbeats: a pipe that back-pressure has filled stops the engine reading, so the
            // peer's pings go unread, the connection is dropped as dead, and libzmq 4.3.4 can then abort
            // (`_input_stopped`, zeromq/libzmq#3937). A dead peer's TCP connection still closes.
            // Subscription messages are a byte and a prefix of at most 255 bytes.
            try socket.set(.maxMessageSize, 4096)
            // With subscription rules the XPUB applies no subscription itself: each is read with its
            // sender's User-Id and applied (to that sender only) when the rules allow it.
            if !subscribeRules.isEmpty { try socket.set(.xpubManual, true) }
        } catch {
            throw PubSubWire.setupError(error, "create an XPUB socket")
        }
        do {
            zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
            endpoints = try attachment.attach(socket)
        } catch {
            socket.close()
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<PublisherDriver>) throws {
        try poller.add(socket)
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .flush:
            break
        case .wait(let waiter):
            if waiter.cancellation.isCancelled.load(ordering: .acquiring) {
                shared.abandonWaits(1, refused: 0)
                waiter.continuation.resume(throwing: CancellationError())
            } else if draining != nil {
                shared.abandonWaits(1, refused: 0)
                waiter.continuation.resume(throwing: Self.closedError)
            } else {
                waiters.append(waiter)
                grant(sent: 0)
            }
        case .cancelWait(let id):
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
            let waiter = waiters.remove(at: index)
            shared.abandonWaits(1, refused: 0)
            waiter.continuation.resume(throwing: CancellationError())
        case .drain(let deadline, let done):
            failWaiters(Self.closedError)
            draining = (deadline, done)
            flush()
        }
    }

    static func reject(_ command: Command) {
        switch command {
        case .wait(let waiter): waiter.continuation.resume(throwing: closedError)
        case .drain(_, let done): done.resume()
        case .flush, .cancelWait: break
        }
    }

    static var closedError: RPCError {
        RPCError(
            code: .unavailable,
            message: "the publisher is closed",
            metadata: [RPCError.notSentMetadataKey: "true"]
        )
    }

    func serviceSockets(limit: Int) throws {
        // Subscriptions first: a welcome must go out after the subscriptions before it are in place.
        try readSubscriptions()
        if !outbound.isEmpty {
            blockedSince = nil
            sendOutbound()
            // The send may have consumed the descriptor's signal: read until nothing is left, so
            // the loop waits on it only when it will announce what comes next.
            try readSubscriptions()
        }
    }

    func flush() {
        shared.takeStaged(into: &spare)
        takeSpare()
        if blockedSince == nil, !outbound.isEmpty { sendOutbound() }
        finishDrainIfDone()
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        var earliest = draining?.deadline
        if let blockedSince {
            let retry = blockedSince.advanced(by: Self.blockedRetry)
            earliest = earliest.map { min($0, retry) } ?? retry
        }
        for waiter in waiters where earliest.map({ waiter.deadline < $0 }) ?? true {
            earliest = waiter.deadline
        }
        return earliest
    }

    func fireTimers(now: ContinuousClock.Instant) {
        if let blockedSince, blockedSince.advanced(by: Self.blockedRetry) <= now {
            self.blockedSince = nil  // `flush()` tries again
        }
        if waiters.contains(where: { $0.deadline <= now }) {
            var expired: [PublishWaiter] = []
            waiters.removeAll { waiter in
                guard waiter.deadline <= now else { return false }
                expired.append(waiter)
                return true
            }
            shared.abandonWaits(expired.count, refused: expired.count)
            for waiter in expired {
                waiter.continuation.resume(
                    throwing: RPCError(
                        code: .resourceExhausted,
                        message: "a subscriber's queue stayed full for \(waiter.timeout)",
                        metadata: [RPCError.notSentMetadataKey: "true"]
                    )
                )
            }
        }
        if let draining, draining.deadline <= now {
            self.draining = nil
            draining.done.resume()
        }
    }

    func stop() {
        failWaiters(Self.closedError)
        shared.takeStaged(into: &spare)
        let lost =
            outbound.reduce(0) { count, item in
                if case .welcome = item { return count }
                return count + 1
            } + spare.count
        outbound.removeAll()
        spare.removeAll()
        if lost > 0 {
            shared.discard(lost)
            logger.warning(
                "publisher closed with messages libzmq never took",
                metadata: ["discarded": "\(lost)", "endpoints": "\(endpoints)"]
            )
        }
        draining?.done.resume()
        draining = nil
        socket.close()
    }

    /// Reads subscription messages until none is left; answers welcomes and counts subscribers.
    /// With subscription rules, applies each one the sender's key may hold (to that sender) and
    /// counts the others.
    private func readSubscriptions() throws {
        let manual = !subscribeRules.isEmpty
        while true {
            let received: (subscription: PubSubWire.SubscriptionMessage?, key: String?)?
            do {
                received = try socket.receiveMessage(dontWait: true, maxFrames: 1) { message in
                    (PubSubWire.subscription(message), manual ? message.metadata("User-Id", at: 0) : nil)
                }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                continue  // not a subscription message: nothing a publisher needs
            }
            guard let received else { return }
            guard let subscription = received.subscription else { continue }
            if manual, !apply(subscription, key: received.key) { continue }
            guard let welcomeID = subscription.welcomeID else { continue }
            if subscription.subscribe {
                subscribers.insert(welcomeID)
                do {
                    let topic = subscription.prefix
                    outbound.append(
                        .welcome(try PubSubWire.welcome(topic: topic, kind: .publisherWelcome, sender: id))
                    )
                } catch {
                    logger.error("publisher cannot make a welcome: \(error)")
                }
                shared.countWelcome(subscribers: subscribers.count)
            } else if subscribers.remove(welcomeID) != nil {
                shared.setSubscribers(subscribers.count)
            }
        }
    }

    /// Applies a subscription the rules allow to the peer that sent it; counts and logs one they
    /// refuse. An unsubscribe is always applied: libzmq ignores one for a prefix the peer does not
    /// hold, and one libzmq reports itself, for a peer that left, applies to no peer.
    ///
    /// - Returns: Whether it was applied.
    private func apply(_ subscription: PubSubWire.SubscriptionMessage, key: String?) -> Bool {
        guard !subscription.subscribe || subscribeRules.permits(subscription, key: key) else {
            shared.countDeniedSubscription()
            let peer = key ?? "none"
            if let suppressed = deniedLog.record(peer, now: .now) {
                logger.warning(
                    "publisher refused a subscription: the subscriber's key may not read every topic it matches",
                    metadata: [
                        "peer-key": "\(peer)", "prefix": "\(String(decoding: subscription.prefix, as: UTF8.self))",
                        "refused-since-last-line": "\(suppressed)",
                    ]
                )
            }
            return false
        }
        do {
            let option: WriteOnlySocketOption<[UInt8]> = subscription.subscribe ? .subscribe : .unsubscribe
            try socket.set(option, subscription.prefix)
        } catch {
            logger.error("publisher cannot apply a subscription: \(error)")
            return false
        }
        return true
    }

    /// Sends queued messages until the socket refuses one (back-pressure), numbering events as
    /// they go, and hands freed room to waiting publishes.
    private func sendOutbound() {
        while true {
            var sent = 0
            do {
                while let head = outbound.first {
                    let frames: [Frame]
                    let isEvent: Bool
                    switch head {
                    case .welcome(let ready):
                        (frames, isEvent) = (ready, false)
                    case .numbered(let ready):
                        (frames, isEvent) = (ready, true)
                    case .event(let event):
                        guard let numbered = number(event) else {
                            outbound.removeFirst()
                            shared.discard(1)
                            continue
                        }
                        // Numbered once: if the socket refuses it, it keeps its number.
                        outbound[outbound.startIndex] = .numbered(numbered)
                        (frames, isEvent) = (numbered, true)
                    }
                    guard try socket.send(frames[0], more: true, dontWait: true) else {
                        blockedSince = .now
                        break
                    }
                    // Once the first frame is queued libzmq takes the rest (multipart is atomic).
                    for index in 1..<frames.count {
                        let more = index < frames.count - 1
                        if try !socket.send(frames[index], more: more, dontWait: true) {
                            try socket.send(frames[index], more: more)
                        }
                    }
                    outbound.removeFirst()
                    if isEvent { sent += 1 }
                }
            } catch {
                logger.error("publisher cannot send: \(error)", metadata: ["endpoints": "\(endpoints)"])
                blockedSince = .now
            }
            if grant(sent: sent) == 0 || blockedSince != nil { return }
        }
    }

    /// Gives `event` the next sequence number of its topic and encodes its frames.
    private func number(_ event: StagedEvent) -> [Frame]? {
        let sequence = (sequences[event.topic] ?? 0) + 1
        do {
            let header = try PubSubWire.headerFrame(
                kind: .event,
                publisher: id,
                sequence: sequence,
                timestampMicros: event.timestampMicros,
                metadata: event.metadata
            )
            sequences[event.topic] = sequence
            return [event.topicFrame, header, event.payload]
        } catch {
            logger.error("publisher cannot encode a header: \(error)", metadata: ["topic": "\(event.topic)"])
            return nil
        }
    }

    @discardableResult
    private func grant(sent: Int) -> Int {
        let granted = shared.release(sent: sent, waiters: waiters.count, takingStagedInto: &spare)
        takeSpare()
        for _ in 0..<granted {
            let waiter = waiters.removeFirst()
            outbound.append(.event(waiter.event))
            waiter.continuation.resume()
        }
        return granted
    }

    private func takeSpare() {
        guard !spare.isEmpty else { return }
        for event in spare { outbound.append(.event(event)) }
        spare.removeAll(keepingCapacity: true)
    }

    private func failWaiters(_ error: RPCError) {
        guard !waiters.isEmpty else { return }
        shared.abandonWaits(waiters.count, refused: 0)
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
        waiters.removeAll()
    }

    private func finishDrainIfDone() {
        guard let draining, outbound.isEmpty else { return }
        self.draining = nil
        draining.done.resume()
    }
}
