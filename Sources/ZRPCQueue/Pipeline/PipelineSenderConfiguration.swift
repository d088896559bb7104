public import Logging
public import ZRPC

/// How a ``PipelineSender`` is set up: its high-water mark, what `send` does when the pipeline is
/// full, and how long closing may take to hand queued messages over.
///
/// ```swift
/// var configuration = PipelineSender<Job>.Configuration()
/// configuration.highWaterMark = 10_000
/// configuration.whenFull = .fail          // send throws RESOURCE_EXHAUSTED instead of waiting
/// let sender = try await PipelineSender<Job>(bind: "tcp://*:5557", configuration: configuration)
/// ```
public struct PipelineSenderConfiguration: Sendable {
    /// What ``PipelineSender/send(_:)`` does when the pipeline is full.
    ///
    /// ```swift
    /// configuration.whenFull = .wait(timeout: .seconds(2))   // then RESOURCE_EXHAUSTED
    /// configuration.whenFull = .fail                          // RESOURCE_EXHAUSTED at once
    /// ```
    public struct WhenFull: Hashable, Sendable, CustomStringConvertible {
        /// How long a send waits for room; nil refuses at once.
        let timeout: Duration?

        /// Waits for room up to `timeout`, then throws `RESOURCE_EXHAUSTED`. Waiting senders get
        /// room in the order they started waiting.
        ///
        /// ```swift
        /// configuration.whenFull = .wait(timeout: .milliseconds(500))
        /// ```
        ///
        /// - Parameter timeout: The longest wait (at least zero).
        /// - Returns: The policy.
        public static func wait(timeout: Duration) -> WhenFull {
            WhenFull(timeout: max(.zero, timeout))
        }

        /// Throws `RESOURCE_EXHAUSTED` at once.
        ///
        /// ```swift
        /// configuration.whenFull = .fail
        /// ```
        public static var fail: WhenFull { WhenFull(timeout: nil) }

        /// `wait(timeout: 2.0 seconds)` or `fail`.
        public var description: String {
            timeout.map { "wait(timeout: \($0))" } ?? "fail"
        }
    }

    /// How many messages may wait for receivers, in this process's queue and again in each
    /// connected receiver's libzmq pipe (ZeroMQ's `ZMQ_SNDHWM`), before the pipeline is full.
    /// See docs/QUEUES.md, "What the high-water mark means". At least 1.
    public var highWaterMark: Int
    /// What `send` does when the pipeline is full.
    public var whenFull: WhenFull
    /// How long ``PipelineSender/close()`` waits for receivers to take the queued messages, and
    /// then how long libzmq keeps trying to deliver what it holds (`ZMQ_LINGER`).
    public var linger: Duration
    /// The context to make the socket in; share one with a ``PipelineReceiver`` to use
    /// `inproc://` endpoints. Nil makes one for this sender.
    public var transportContext: TransportContext?
    /// How the socket secures its connections (default ``TransportSecurity/plaintext``): usually a
    /// CURVE server on the side that binds, a CURVE client on the side that connects. The ZAP
    /// allow-list is the only authorization here (docs/SECURITY.md).
    public var security: TransportSecurity = .plaintext
    /// Where the sender logs (start, stop, messages discarded at close).
    public var logger: Logger
    /// The I/O thread's name.
    public var name: String

    /// Creates a configuration.
    ///
    /// ```swift
    /// let configuration = PipelineSenderConfiguration(highWaterMark: 100, whenFull: .fail)
    /// ```
    ///
    /// - Parameters:
    ///   - highWaterMark: Messages queued per stage before the pipeline is full (default 1000).
    ///   - whenFull: Wait (default, up to 10 s) or fail when full.
    ///   - linger: How long closing may take to hand messages over (default 1 s).
    ///   - transportContext: A shared context, for `inproc://`.
    ///   - logger: Where to log.
    ///   - name: The I/O thread's name.
    public init(
        highWaterMark: Int = 1000,
        whenFull: WhenFull = .wait(timeout: .seconds(10)),
        linger: Duration = .seconds(1),
        transportContext: TransportContext? = nil,
        logger: Logger = Logger(label: "zrpc.pipeline.sender"),
        name: String = "zrpc-pipeline-push"
    ) {
        self.highWaterMark = highWaterMark
        self.whenFull = whenFull
        self.linger = linger
        self.transportContext = transportContext
        self.logger = logger
        self.name = name
    }

    /// The defaults: a high-water mark of 1000, waiting up to 10 s when full, 1 s of linger.
    public static var defaults: Self { Self() }
}

/// What a ``PipelineSender`` has done so far.
///
/// ```swift
/// let stats = sender.statistics
/// print(stats.sent, stats.refusedFull, stats.waitedFull)
/// ```
public struct PipelineSenderStatistics: Hashable, Sendable {
    /// Messages `send` accepted (they are on their way: in this process's queue or libzmq's).
    public var sent = 0
    /// Sends refused because the pipeline was full (at once with `.fail`, after the timeout with
    /// `.wait`): the caller got `RESOURCE_EXHAUSTED` and the message was not sent.
    public var refusedFull = 0
    /// Sends that found the pipeline full and waited (whether they then got room or not).
    public var waitedFull = 0
    /// Messages `send` accepted that never reached libzmq: the sender closed before a receiver had
    /// room for them within the linger. They are lost, and logged.
    public var discarded = 0

    /// A snapshot with every counter at zero.
    public init() {}
}

extension PipelineSender {
    /// The sender's configuration (``PipelineSenderConfiguration``).
    public typealias Configuration = PipelineSenderConfiguration
    /// The sender's counters (``PipelineSenderStatistics``).
    public typealias Statistics = PipelineSenderStatistics
}
