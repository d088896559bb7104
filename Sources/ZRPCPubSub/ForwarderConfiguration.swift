public import Logging
public import ZRPC

/// How a ``PubSubForwarder`` is set up: where publishers and subscribers connect, its high-water
/// mark, and how it groups topics in its statistics.
///
/// ```swift
/// var configuration = ForwarderConfiguration()
/// configuration.publisherEndpoint = "tcp://*:7200"
/// configuration.subscriberEndpoint = "tcp://*:7201"
/// let forwarder = try await PubSubForwarder(configuration: configuration)
/// ```
public struct ForwarderConfiguration: Sendable {
    /// Where publishers connect (an XSUB socket binds here).
    public var publisherEndpoint: String
    /// Where subscribers connect (an XPUB socket binds here).
    public var subscriberEndpoint: String
    /// Messages queued per subscriber (`ZMQ_SNDHWM` of the XPUB; past it libzmq drops for that
    /// subscriber, who counts the gap) and from publishers (`ZMQ_RCVHWM` of the XSUB). At least 1.
    public var highWaterMark: Int
    /// How many dot-separated segments of a topic name its statistics group: 1 counts
    /// `prices.EUR.ABC` under `prices`, 2 under `prices.EUR`.
    public var statisticsDepth: Int
    /// The largest frame accepted from a publisher (`ZMQ_MAXMSGSIZE`).
    public var maxMessageBytes: Int
    /// The context to make the sockets in; share one to use `inproc://`. Nil makes one.
    public var transportContext: TransportContext?
    /// How the publishers' side (the XSUB socket) secures its connections (default
    /// ``TransportSecurity/plaintext``; usually a CURVE server whose allow-list names the publishers).
    public var publisherSecurity: TransportSecurity = .plaintext
    /// How the subscribers' side (the XPUB socket) secures its connections (default
    /// ``TransportSecurity/plaintext``; usually a CURVE server whose allow-list names the subscribers).
    public var subscriberSecurity: TransportSecurity = .plaintext
    /// Who may publish and subscribe to which topics (default ``TopicAuthorization/allowAll``),
    /// checked against the CURVE public key of each peer: refused events are dropped and counted in
    /// ``ForwarderStatistics/deniedEvents``, refused subscriptions in
    /// ``ForwarderStatistics/deniedSubscriptions`` (docs/SECURITY.md, "Authorization (topics)").
    public var authorization: TopicAuthorization = .allowAll
    /// Where the forwarder logs.
    public var logger: Logger
    /// The I/O thread's name.
    public var name: String
    /// Topic prefixes whose last message per topic the forwarder keeps, to give a subscriber that
    /// asks (``SubscriptionConfiguration/snapshot``) the latest event of each topic it subscribes
    /// to before the live ones (docs/PUBSUB.md, "Last-value cache"). Empty: no cache. The forwarder
    /// subscribes to these upstream itself. Application prefixes only (not `~`).
    public var lastValueCache: [String]
    /// The most topics the cache holds; a new topic seen when it is full is not cached, counted in
    /// ``ForwarderStatistics/cacheRefused`` and logged.
    public var maxCachedTopics: Int
    /// The most distinct topic prefixes one subscriber may hold (at least 1; default 1,024;
    /// `zrpc-forwarder --max-subscriptions N` or `ZRPC_FORWARDER_MAX_SUBSCRIPTIONS`). A subscriber is
    /// its CURVE key; in plain text the forwarder knows no subscriber, and the bound is on the
    /// distinct prefixes of all of them together. One past it is not applied nor passed up, counted
    /// in ``ForwarderStatistics/subscriptionsOverLimit`` and logged at most once per key per 10 s
    /// (docs/PROTOCOL.md, "Limits of pub/sub").
    ///
    /// ```swift
    /// var configuration = ForwarderConfiguration()
    /// configuration.maxSubscriptionsPerPeer = 10_000
    /// ```
    public var maxSubscriptionsPerPeer = 1_024

    /// Creates a configuration.
    ///
    /// ```swift
    /// let configuration = ForwarderConfiguration(publisherEndpoint: "ipc:///tmp/in", subscriberEndpoint: "ipc:///tmp/out")
    /// ```
    ///
    /// - Parameters:
    ///   - publisherEndpoint: Where publishers connect (default `tcp://127.0.0.1:*`).
    ///   - subscriberEndpoint: Where subscribers connect (default `tcp://127.0.0.1:*`).
    ///   - highWaterMark: Messages queued per subscriber and from publishers (default 1000).
    ///   - statisticsDepth: Topic segments per statistics group (default 1).
    ///   - maxMessageBytes: The largest frame accepted (default 4 MiB).
    ///   - transportContext: A shared context, for `inproc://`.
    ///   - logger: Where to log.
    ///   - name: The I/O thread's name.
    ///   - lastValueCache: Prefixes to keep the last message of each topic under (default none).
    ///   - maxCachedTopics: The most topics cached (default 100,000).
    public init(
        publisherEndpoint: String = "tcp://127.0.0.1:*",
        subscriberEndpoint: String = "tcp://127.0.0.1:*",
        highWaterMark: Int = 1000,
        statisticsDepth: Int = 1,
        maxMessageBytes: Int = 4 << 20,
        transportContext: TransportContext? = nil,
        logger: Logger = Logger(label: "zrpc.pubsub.forwarder"),
        name: String = "zrpc-forwarder",
        lastValueCache: [String] = [],
        maxCachedTopics: Int = 100_000
    ) {
        self.publisherEndpoint = publisherEndpoint
        self.subscriberEndpoint = subscriberEndpoint
        self.highWaterMark = highWaterMark
        self.statisticsDepth = statisticsDepth
        self.maxMessageBytes = maxMessageBytes
        self.transportContext = transportContext
        self.logger = logger
        self.name = name
        self.lastValueCache = lastValueCache
        self.maxCachedTopics = maxCachedTopics
    }

    /// The defaults: ephemeral ports on 127.0.0.1, a high-water mark of 1000, depth 1.
    public static var defaults: Self { Self() }
}

/// What a ``PubSubForwarder`` has passed on so far.
///
/// ```swift
/// let stats = forwarder.statistics
/// print(stats.messagesIn, stats.messagesOut, stats.topics["prices"]?.messagesIn ?? 0)
/// ```
public struct ForwarderStatistics: Hashable, Sendable {
    /// One group of topics (see ``ForwarderConfiguration/statisticsDepth``).
    public struct TopicCounts: Hashable, Sendable {
        /// Messages received from publishers.
        public var messagesIn = 0
        /// Messages handed to the subscribers' side (libzmq then queues a copy for each matching
        /// subscriber, dropping it for one whose queue is full: that subscriber counts the gap).
        public var messagesOut = 0

        /// Counts at zero.
        public init() {}
    }

    /// Messages received from publishers.
    public var messagesIn = 0
    /// Messages handed to the subscribers' side.
    public var messagesOut = 0
    /// Messages from publishers dropped because they are not three frames. Logged.
    public var malformed = 0
    /// Events dropped because their publisher's key may not publish on their topic
    /// (``ForwarderConfiguration/authorization``); logged at most once per key per 10 s.
    public var deniedEvents = 0
    /// Subscriptions not applied because the subscriber's key may not read every topic they match.
    public var deniedSubscriptions = 0
    /// Subscriptions not applied because the subscriber held
    /// ``ForwarderConfiguration/maxSubscriptionsPerPeer`` prefixes already.
    public var subscriptionsOverLimit = 0
    /// Subscription changes passed upstream to the publishers (subscribe and unsubscribe).
    public var subscriptionsForwarded = 0
    /// Distinct prefixes subscribed to now, welcome prefixes included.
    public var activeSubscriptions = 0
    /// Welcomes the forwarder answered.
    public var welcomes = 0
    /// Topics in the last-value cache now.
    public var cachedTopics = 0
    /// Messages on topics the full cache could not take.
    public var cacheRefused = 0
    /// Snapshots sent (one per snapshot subscription).
    public var snapshots = 0
    /// Cached events sent in those snapshots.
    public var snapshotEvents = 0
    /// Per topic group (the first ``ForwarderConfiguration/statisticsDepth`` segments).
    public var topics: [String: TopicCounts] = [:]

    /// A snapshot with every counter at zero.
    public init() {}
}
