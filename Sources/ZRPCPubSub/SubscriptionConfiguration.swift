public import Logging
public import ProtobufC
public import ZRPC

/// How a ``Subscription`` is set up: how much it reads ahead, and the limits on what it accepts.
///
/// ```swift
/// var configuration = SubscriptionConfiguration()
/// configuration.highWaterMark = 10_000        // absorb bursts instead of losing them
/// let subscription = try await Subscription<Price>(connect: "tcp://forwarder:7201", topics: ["prices."],
///                                                  configuration: configuration)
/// ```
public struct SubscriptionConfiguration: Sendable {
    /// How many messages may wait in this subscriber: read ahead by its I/O thread, and again in
    /// libzmq's queue (`ZMQ_RCVHWM`). When both are full the sender's queue to it fills, and
    /// then the sender drops (counted here as gaps) or, with back-pressure, waits. At least 1.
    public var highWaterMark: Int
    /// The largest frame accepted, in bytes: a bigger one makes libzmq drop the connection that
    /// sent it (`ZMQ_MAXMSGSIZE`).
    public var maxMessageBytes: Int
    /// Bounds for decoding untrusted payloads.
    public var decodingLimits: DecodingLimits
    /// The context to make the socket in; share one to use `inproc://`. Nil makes one.
    public var transportContext: TransportContext?
    /// How the socket secures its connections (default ``TransportSecurity/plaintext``): usually a
    /// CURVE server on the side that binds, a CURVE client on the side that connects. The ZAP
    /// allow-list is the only authorization here (docs/SECURITY.md).
    public var security: TransportSecurity = .plaintext
    /// Where the subscription logs (start, malformed messages).
    public var logger: Logger
    /// The I/O thread's name.
    public var name: String
    /// Whether to ask the forwarder for a snapshot: the last event of every topic under this
    /// subscription's prefixes that its last-value cache holds, delivered before the live events
    /// (``ReceivedEvent/fromSnapshot``), with no gap between them (docs/PUBSUB.md, "Last-value
    /// cache"). A forwarder without a cache, or a publisher, sends none.
    public var snapshot: Bool

    /// Creates a configuration.
    ///
    /// ```swift
    /// let configuration = SubscriptionConfiguration(highWaterMark: 100)
    /// ```
    ///
    /// - Parameters:
    ///   - highWaterMark: Messages read ahead, and queued in libzmq (default 1000).
    ///   - maxMessageBytes: The largest frame accepted (default 4 MiB).
    ///   - decodingLimits: Bounds for decoding.
    ///   - transportContext: A shared context, for `inproc://`.
    ///   - logger: Where to log.
    ///   - name: The I/O thread's name.
    ///   - snapshot: Whether to ask the forwarder's last-value cache for a snapshot (default false).
    public init(
        highWaterMark: Int = 1000,
        maxMessageBytes: Int = 4 << 20,
        decodingLimits: DecodingLimits = .defaults,
        transportContext: TransportContext? = nil,
        logger: Logger = Logger(label: "zrpc.pubsub.subscription"),
        name: String = "zrpc-subscription",
        snapshot: Bool = false
    ) {
        self.highWaterMark = highWaterMark
        self.maxMessageBytes = maxMessageBytes
        self.decodingLimits = decodingLimits
        self.transportContext = transportContext
        self.logger = logger
        self.name = name
        self.snapshot = snapshot
    }

    /// The defaults: a high-water mark of 1000, frames up to 4 MiB, no snapshot.
    public static var defaults: Self { Self() }
}

/// What a ``Subscription`` has received and lost so far.
///
/// ```swift
/// let stats = subscription.statistics
/// print(stats.received, stats.missed, stats.malformed)
/// for (publisher, tally) in stats.publishers { print(publisher, tally.received, tally.missed) }
/// ```
public struct SubscriptionStatistics: Hashable, Sendable {
    /// What one publisher's messages came to.
    public struct PublisherTally: Hashable, Sendable {
        /// Events with a valid header read from it (decoded or not).
        public var received = 0
        /// Gaps found in its sequence numbers.
        public var gaps = 0
        /// Messages missing in those gaps.
        public var missed: UInt64 = 0

        /// A tally at zero.
        public init() {}
    }

    /// Events decoded and handed to the application.
    public var received = 0
    /// Messages dropped: not three frames, a header that does not decode or has another version,
    /// or a payload that does not decode as the event type. Logged (the first, then at powers of two).
    public var malformed = 0
    /// Gaps found (each also delivered as a ``SubscriptionElement/gap(_:)``). Gaps and the
    /// per-publisher tallies are counted as the I/O thread reads, so they may be ahead of what the
    /// application has taken (up to the high-water mark read ahead).
    public var gaps = 0
    /// Messages missing in all gaps.
    public var missed: UInt64 = 0
    /// Events (and gaps) of publishers that had not welcomed the subscription, discarded oldest
    /// first so that reading could go on while the read-ahead buffer was full and a task waited
    /// for readiness (docs/PUBSUB.md, "Late joiners"). They precede the subscription's start for
    /// that publisher, so they are not gaps: what is handed over per publisher and topic stays
    /// contiguous.
    public var discardedBeforeReady = 0
    /// Connections lost (each also delivered as ``SubscriptionElement/disconnected(endpoint:)``).
    public var disconnections = 0
    /// Events dropped because their sequence number was not above the last one seen from that
    /// publisher on that topic: a snapshot entry older than a live event already here, or a live
    /// event a snapshot already gave.
    public var duplicates = 0
    /// Events delivered from forwarders' snapshots.
    public var snapshotEvents = 0
    /// Snapshots completed (their end arrived), and the snapshot events that did not arrive in
    /// them (the end counts what was sent; a queue on the way was full). Logged.
    public var snapshots = 0
    /// See ``snapshots``.
    public var snapshotShortfall = 0
    /// Per publisher.
    public var publishers: [PublisherID: PublisherTally] = [:]

    /// A snapshot with every counter at zero.
    public init() {}
}

extension Subscription {
    /// The subscription's configuration (``SubscriptionConfiguration``).
    public typealias Configuration = SubscriptionConfiguration
    /// The subscription's counters (``SubscriptionStatistics``).
    public typealias Statistics = SubscriptionStatistics
}
