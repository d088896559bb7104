public import Logging
public import ProtobufC
public import ZRPC

/// How a ``PipelineReceiver`` is set up: how much it reads ahead, and the limits on what peers
/// may send it.
///
/// ```swift
/// var configuration = PipelineReceiver<Job>.Configuration()
/// configuration.highWaterMark = 100        // a slow worker holds few jobs others could take
/// let jobs = try await PipelineReceiver<Job>(connect: "tcp://ventilator:5557", configuration: configuration)
/// ```
public struct PipelineReceiverConfiguration: Sendable {
    /// How many messages may wait in this receiver: read ahead by its I/O thread, and again in
    /// libzmq's queue (`ZMQ_RCVHWM`). When both are full the senders' pipes fill, and then a
    /// sender's `send` waits or fails. At least 1. See docs/QUEUES.md.
    public var highWaterMark: Int
    /// The largest payload accepted, in bytes: a bigger frame makes libzmq drop the connection
    /// that sent it (`ZMQ_MAXMSGSIZE`), before it is read.
    public var maxMessageBytes: Int
    /// Bounds for decoding untrusted payloads (size, nesting, allocations).
    public var decodingLimits: DecodingLimits
    /// The context to make the socket in; share one with a ``PipelineSender`` to use
    /// `inproc://` endpoints. Nil makes one for this receiver.
    public var transportContext: TransportContext?
    /// How the socket secures its connections (default ``TransportSecurity/plaintext``): usually a
    /// CURVE server on the side that binds, a CURVE client on the side that connects. The ZAP
    /// allow-list is the only authorization here (docs/SECURITY.md).
    public var security: TransportSecurity = .plaintext
    /// Where the receiver logs (start, stop, malformed messages).
    public var logger: Logger
    /// The I/O thread's name.
    public var name: String

    /// Creates a configuration.
    ///
    /// ```swift
    /// let configuration = PipelineReceiverConfiguration(highWaterMark: 100)
    /// ```
    ///
    /// - Parameters:
    ///   - highWaterMark: Messages read ahead, and queued in libzmq (default 1000).
    ///   - maxMessageBytes: The largest payload accepted (default 4 MiB).
    ///   - decodingLimits: Bounds for decoding.
    ///   - transportContext: A shared context, for `inproc://`.
    ///   - logger: Where to log.
    ///   - name: The I/O thread's name.
    public init(
        highWaterMark: Int = 1000,
        maxMessageBytes: Int = 4 << 20,
        decodingLimits: DecodingLimits = .defaults,
        transportContext: TransportContext? = nil,
        logger: Logger = Logger(label: "zrpc.pipeline.receiver"),
        name: String = "zrpc-pipeline-pull"
    ) {
        self.highWaterMark = highWaterMark
        self.maxMessageBytes = maxMessageBytes
        self.decodingLimits = decodingLimits
        self.transportContext = transportContext
        self.logger = logger
        self.name = name
    }

    /// The defaults: a high-water mark of 1000, payloads up to 4 MiB.
    public static var defaults: Self { Self() }
}

/// What a ``PipelineReceiver`` has received so far.
///
/// ```swift
/// let stats = receiver.statistics
/// print(stats.received, stats.malformed)
/// ```
public struct PipelineReceiverStatistics: Hashable, Sendable {
    /// Messages decoded and handed to a reader.
    public var received = 0
    /// Messages dropped: not two frames, a signature other than `ZRPP01`, or a payload that does
    /// not decode as the message type. Each is logged (the first, then at powers of two).
    public var malformed = 0

    /// A snapshot with every counter at zero.
    public init() {}
}

extension PipelineReceiver {
    /// The receiver's configuration (``PipelineReceiverConfiguration``).
    public typealias Configuration = PipelineReceiverConfiguration
    /// The receiver's counters (``PipelineReceiverStatistics``).
    public typealias Statistics = PipelineReceiverStatistics
}
