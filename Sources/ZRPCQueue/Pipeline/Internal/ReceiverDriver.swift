import Logging
@_spi(ReadAhead) import ZRPC
internal import ZeroMQ

/// The receiving end's socket work, on its I/O thread: a PULL socket read into the shared
/// buffer, each message's signature checked, until the buffer is full; then the socket leaves the
/// poller (libzmq's queue fills up behind it) until a reader asks for more.
final class ReceiverDriver: IOLoopDriver {
    enum Command: Sendable {
        /// Readers took the buffer down: read again.
        case resume
    }

    /// The most messages read in one go before they are handed to readers.
    private static var batch: Int { 256 }

    private let socket: Socket
    /// The socket's place in the ZAP handler when it is a CURVE server (kept as long as the socket).
    private let zap: ZAPRegistration?
    /// The resolved endpoints (a wildcard port filled in).
    let endpoints: [String]
    private let shared: ReceiverShared
    private let logger: Logger
    private weak var poller: DescriptorPoller?
    /// Whether the socket is in the poller, being read.
    private var reading = true
    private var received: [Frame] = []
    /// Messages dropped by the wire checks since the last delivery, and ever (for the log's pace).
    private var malformed = 0
    private var malformedTotal = 0

    init(
        context: Context,
        attachment: PipelineAttachment,
        configuration: PipelineReceiverConfiguration,
        shared: ReceiverShared
    ) throws {
        self.shared = shared
        logger = configuration.logger
        do {
            socket = try Socket(context, type: .pull)
            try socket.set(.receiveHighWaterMark, configuration.highWaterMark)
            // Frame 0 is 6 bytes; a payload over the limit drops the connection before it is read.
            try socket.set(.maxMessageSize, Int64(max(configuration.maxMessageBytes, PipelineWire.signature.count)))
            // No ZMTP heartbeats: a pipe that back-pressure has filled stops the engine reading, so the
            // peer's pings go unread, the connection is dropped as dead, and libzmq 4.3.4 can then abort
            // (`_input_stopped`, zeromq/libzmq#3937). A dead peer's TCP connection still closes.
            try socket.set(.handshakeInterval, .seconds(10))
        } catch {
            throw PipelineWire.setupError(error, "create a PULL socket")
        }
        do {
            zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
            endpoints = try attachment.attach(socket)
        } catch {
            socket.close()
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<ReceiverDriver>) throws {
        self.poller = poller
        try poller.add(socket)
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
                logger.error("pipeline receiver cannot read: \(error)", metadata: ["endpoints": "\(endpoints)"])
            }
        }
    }

    static func reject(_ command: Command) {}

    func serviceSockets(limit: Int) throws {
        guard reading else { return }
        let room = min(shared.room, Self.batch)
        guard room > 0 else {
            pause()
            return
        }
        var read = 0
        while read < room {
            let got: Bool
            do {
                got =
                    try socket.receiveMessage(dontWait: true, maxFrames: PipelineWire.frameCount) { message in
                        if let rejection = PipelineWire.check(message) {
                            reject(rejection)
                        } else {
                            received.append(message.frame(at: 1))
                        }
                    } != nil
            } catch let error as ZMQError where error.code == .messageTooLarge {
                reject(.frameCount(PipelineWire.frameCount + 1))
                got = true
            }
            guard got else { break }
            read += 1
        }
        guard read > 0 else { return }
        if shared.deliver(&received, counting: { $0.malformed += malformed }) {
            pause()
        }
        malformed = 0
    }

    func flush() {}

    var needsService: Bool { reading && socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? { nil }

    func fireTimers(now: ContinuousClock.Instant) {}

    func stop() {
        socket.close()
        shared.finish()
    }

    /// Stops reading: the socket leaves the poller, or its unread messages would keep the loop
    /// from ever waiting.
    private func pause() {
        guard reading else { return }
        reading = false
        poller?.remove(socket)
    }

    private func reject(_ rejection: PipelineWire.Rejection) {
        malformed += 1
        malformedTotal += 1
        // Hostile input must not flood the log: the first, then at powers of two.
        if malformedTotal & (malformedTotal - 1) == 0 {
            logger.warning(
                "pipeline receiver dropped a malformed message: \(rejection)",
                metadata: ["endpoints": "\(endpoints)", "dropped-so-far": "\(malformedTotal)"]
            )
        }
    }
}
