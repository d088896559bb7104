import BenchmarkKit
import ZeroMQ

/// The raw libzmq side of a throughput round, on a thread of its own: an XPUB socket with
/// `ZMQ_XPUB_NODROP` and blocking sends, so that a full queue makes `send` wait instead of dropping
/// (back-pressure: every message published is delivered). It sends the three frames of ZRPC's
/// wire format, built once and sent again and again (`zmq_msg_copy`): the topic `bench`, a 33-byte
/// stand-in for ZRPC's header (which is 31 to 33 bytes), and the encoded payload.
///
/// Readiness: an XPUB reads the subscription messages that reach it, and passes one on only after
/// applying it, so once `\u{01}bench` is read every message sent after it reaches the subscriber.
enum RawPublisher {
    /// The topic every throughput row publishes on.
    static let topic = "bench"
    /// The header frame's stand-in.
    static let header = [UInt8](repeating: 0x68, count: 33)

    /// One round: `count` messages to a `sub-raw` child, directly or through a `proxy-raw` child.
    ///
    /// - Parameters:
    ///   - payload: What each message carries.
    ///   - count: Messages to send.
    ///   - viaProxy: Through `zmq_proxy` in a child process.
    /// - Returns: What the publisher and the subscriber measured.
    /// - Throws: ``BenchmarkFailure`` or ``ZMQError`` when the round does not complete.
    static func round(_ payload: Payload, count: Int, viaProxy: Bool) throws -> RoundFigures {
        let context = try Context()
        defer { context.shutdown() }
        let socket = try Socket(context, type: .xpublish)
        defer { socket.close() }
        try socket.set(.sendHighWaterMark, 1_000)
        try socket.set(.xpubNoDrop, true)
        // Bounds: a subscription that never comes, a subscriber that stops reading.
        try socket.set(.receiveTimeout, .seconds(30))
        try socket.set(.sendTimeout, .seconds(30))
        var proxy: BenchmarkChild?
        defer { proxy?.stop() }
        let subscriberEndpoint: String
        if viaProxy {
            let child = try BenchmarkChild(arguments: ["proxy-raw", "\(count)"])
            proxy = child
            let sides = try ForwarderChild.endpoints(child)
            try socket.connect(sides.publishers)
            subscriberEndpoint = sides.subscribers
        } else {
            try socket.bind("tcp://127.0.0.1:*")
            subscriberEndpoint = try socket.lastEndpoint
        }
        let subscriber = try BenchmarkChild(arguments: ["sub-raw", "\(count)", subscriberEndpoint])
        defer { subscriber.stop() }
        guard let subscription = try socket.receive(maxFrames: 1), subscription.first?.bytes == [1] + Array(topic.utf8)
        else {
            throw BenchmarkFailure(message: "no subscription reached the raw publisher within 30 s")
        }
        let frames = [try Frame(topic), try Frame(bytes: header), try Frame(bytes: payload.encoded)]
        let cpu = processCPUSeconds()
        for sent in 0..<count {
            guard try socket.send(frames) else {
                throw BenchmarkFailure(message: "the raw publisher waited 30 s to send message \(sent + 1)")
            }
        }
        // The socket stays open until the subscriber has everything.
        let received = try ReceiverResult(from: subscriber, expected: count)
        return RoundFigures(received, publisherCPUSeconds: processCPUSeconds() - cpu)
    }
}
