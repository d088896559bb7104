public import Logging
public import ZRPC

/// How a ``Publisher`` is set up: its high-water mark, what `publish` does when a subscriber is
/// slow, and how long closing may take.
///
/// ```swift
/// var configuration = PublisherConfiguration()
/// configuration.whenFull = .wait(timeout: .seconds(1))   // back-pressure: no subscriber loses a message
/// let publisher = try await Publisher<Price>(topic: "prices", connect: "tcp://forwarder:7200",
///                                            configuration: configuration)
/// ```
public struct PublisherConfiguration: Sendable {
    /// What ``Publisher/publish(_:key:metadata:)`` does when a subscriber's queue (or the
    /// publisher's own) is full.
    ///
    /// ```swift
    /// configuration.whenFull = .drop                           // the default: at most once
    /// configuration.whenFull = .wait(timeout: .seconds(2))     // then RESOURCE_EXHAUSTED
    /// configuration.whenFull = .fail                           // RESOURCE_EXHAUSTED at once
    /// ```
    public struct WhenFull: Hashable, Sendable, CustomStringConvertible {
        enum Mode: Hashable, Sendable {
            case drop
            case wait(Duration)
            case fail
        }

        let mode: Mode

        /// libzmq drops the message for a subscriber whose queue is at the high-water mark (that
        /// subscriber counts the gap from the sequence numbers); a message that finds the
        /// publisher's own queue full is dropped before it gets a sequence number and counted in
        /// ``PublisherStatistics/dropped``. `publish` never waits.
        public static var drop: WhenFull { WhenFull(mode: .drop) }

        /// Back-pressure (`ZMQ_XPUB_NODROP`): no subscriber's queue overflows; `publish` waits for
        /// room up to `timeout`, then throws `RESOURCE_EXHAUSTED`. One stalled subscriber stalls
        /// the publisher for every subscriber of that topic.
        ///
        /// ```swift
        /// configuration.whenFull = .wait(timeout: .milliseconds(500))
        /// ```
        ///
        /// - Parameter timeout: The longest wait (at least zero).
        /// - Returns: The policy.
        public static func wait(timeout: Duration) -> WhenFull { WhenFull(mode: .wait(max(.zero, timeout))) }

        /// Back-pressure without waiting: `publish` throws `RESOURCE_EXHAUSTED` at once when full.
        public static var fail: WhenFull { WhenFull(mode: .fail) }

        /// `drop`, `wait(timeout: 2.0 seconds)` or `fail`.
        public var description: String {
            switch mode {
            case .drop: "drop"
            case .wait(let timeout): "wait(timeout: \(timeout))"
            case .fail: "fail"
            }
        }

        var dropsAtHighWaterMark: Bool { mode == .drop }
        var waitTimeout: Duration? {
            if case .wait(let timeout) = mode { return timeout }
            return nil
        }
    }

    /// Messages queued per subscriber in libzmq (`ZMQ_SNDHWM`) and in the publisher's own queue
    /// before they are full. At least 1.
    public var highWaterMark: Int
    /// Drop (at most once, counted) or back-pressure.
    public var whenFull: WhenFull
    /// How long ``Publisher/close()`` waits for queued messages to reach libzmq, and then how long
    /// libzmq keeps trying to deliver them (`ZMQ_LINGER`).
    public var linger: Duration
    /// The context to make the socket in; share one to use `inproc://` endpoints. Nil makes one.
    public var transportContext: TransportContext?
    /// How the socket secures its connections (default ``TransportSecurity/plaintext``): usually a
    /// CURVE server on the side that binds, a CURVE client on the side that connects
    /// (docs/SECURITY.md).
    public var security: TransportSecurity = .plaintext
    /// Which subscribers (CURVE public keys) may subscribe to which topics, for a publisher that
    /// binds (default ``TopicAuthorization/allowAll``): a subscription its ``TopicAuthorization/subscribe``
    /// rules refuse is not applied, so nothing is delivered on it, and is counted in
    /// ``PublisherStatistics/deniedSubscriptions``. Its `publish` rules do not apply here (a
    /// publisher's events are its own); a forwarder checks those.
    public var authorization: TopicAuthorization = .allowAll
    /// Where the publisher logs (start, stop, messages discarded at close).
    public var logger: Logger
    /// The I/O thread's name.
    public var name: String

    /// Creates a configuration.
    ///
    /// ```swift
    /// let configuration = PublisherConfiguration(highWaterMark: 10_000, whenFull: .fail)
    /// ```
    ///
    /// - Parameters:
    ///   - highWaterMark: Messages queued per subscriber and in the publisher (default 1000).
    ///   - whenFull: Drop (default), wait or fail.
    ///   - linger: How long closing may take to hand messages over (default 1 s).
    ///   - transportContext: A shared context, for `inproc://`.
    ///   - logger: Where to log.
    ///   - name: The I/O thread's name.
    public init(
        highWaterMark: Int = 1000,
        whenFull: WhenFull = .drop,
        linger: Duration = .seconds(1),
        transportContext: TransportContext? = nil,
        logger: Logger = Logger(label: "zrpc.pubsub.publisher"),
        name: String = "zrpc-publisher"
    ) {
        self.highWaterMark = highWaterMark
        self.whenFull = whenFull
        self.linger = linger
        self.transportContext = transportContext
        self.logger = logger
        self.name = name
    }

    /// The defaults: a high-water mark of 1000, dropping when full, 1 s of linger.
    public static var defaults: Self { Self() }
}

/// What a ``Publisher`` has done so far.
///
/// ```swift
/// let stats = publisher.statistics
/// print(stats.published, stats.dropped, stats.subscribers)
/// ```
public struct PublisherStatistics: Hashable, Sendable {
    /// Messages `publish` accepted (on their way to libzmq, which gives each a sequence number).
    public var published = 0
    /// `.drop` only: messages dropped because the publisher's own queue was full (they never got
    /// a sequence number, so subscribers cannot see them as gaps: this counter is the record).
    public var dropped = 0
    /// `.wait`/`.fail`: messages refused with `RESOURCE_EXHAUSTED` (not sent).
    public var refusedFull = 0
    /// `.wait`: publishes that found it full and waited.
    public var waitedFull = 0
    /// Accepted messages that never reached libzmq (closed first), or whose header could not be
    /// encoded. Logged.
    public var discarded = 0
    /// Welcome messages sent (one per subscriber's welcome subscription that reached this publisher).
    public var welcomes = 0
    /// Subscribers whose welcome subscription reached this publisher and who have not left.
    public var subscribers = 0
    /// Subscriptions not applied because the subscriber's key may not read every topic they match
    /// (``PublisherConfiguration/authorization``). Logged at most once per key per 10 s.
    public var deniedSubscriptions = 0

    /// A snapshot with every counter at zero.
    public init() {}
}

extension Publisher {
    /// The publisher's configuration (``PublisherConfiguration``).
    public typealias Configuration = PublisherConfiguration
    /// The publisher's counters (``PublisherStatistics``).
    public typealias Statistics = PublisherStatistics
}
