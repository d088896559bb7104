import Foundation
import ZRPC
import ZeroMQ

/// A bare DEALER speaking (or mangling) the ZRPC wire protocol to a broker process by hand.
///
/// Its blocking calls run on a thread of their own: blocking Swift's small cooperative pool would
/// starve the clients under test.
final class RawBrokerPeer: @unchecked Sendable {
    // Safe to share: a test uses one peer from one task at a time; each blocking call runs on a
    // helper thread while that task waits for it, so the socket is never used by two threads at once.
    struct Timeout: Error {}

    /// One call of a received message.
    struct Received {
        let header: Zrpc_Wire_Header
        let payload: Frame?
    }

    private let context: Context
    private let socket: Socket
    private var unread: [Received] = []

    init(connectedTo endpoint: String) throws {
        context = try Context()
        socket = try Socket(context, type: .dealer)
        try socket.set(.linger, .zero)
        try socket.set(.receiveTimeout, .seconds(10))
        try socket.set(.sendTimeout, .seconds(5))
        try socket.connect(endpoint)
    }

    func close() { socket.close() }

    private func offPool<Value: Sendable>(_ body: @escaping @Sendable (Socket) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body(self.socket) }) }.start()
        }
    }

    func send(_ frames: [[UInt8]]) async throws {
        try await offPool { socket in
            guard try socket.send(try frames.map { try Frame(bytes: $0) }) else { throw Timeout() }
        }
    }

    /// The next call from the broker (10 s at most).
    func receive() async throws -> Received {
        if unread.isEmpty {
            let frames = try await offPool { socket in
                guard let frames = try socket.receive(maxFrames: 256) else { throw Timeout() }
                return frames
            }
            guard frames.count >= 3, frames[1].string == "ZRPC01" else { throw Timeout() }
            var position = 2
            while position < frames.count {
                let header = try Zrpc_Wire_Header(frame: frames[position])
                let hasPayload: Bool
                switch header.kind {
                case .request?, .response?, .streamMessage?: hasPayload = true
                default: hasPayload = false
                }
                unread.append(Received(header: header, payload: hasPayload ? frames[position + 1] : nil))
                position += hasPayload ? 2 : 1
            }
        }
        return unread.removeFirst()
    }

    /// The next response (skipping credits and stream messages).
    func receiveResponse() async throws -> Zrpc_Wire_ResponseHeader {
        while true {
            if case .response(let response)? = try await receive().header.kind { return response }
        }
    }
}

/// Protobuf bytes written by hand, for messages no encoder would write.
enum BrokerWire {
    static let signature = Array("ZRPC01".utf8)
    static let broker = "zrpc.queue.Broker"

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value > 0x7F ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }

    static func field(_ number: Int, varint value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }

    static func field(_ number: Int, bytes value: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(value.count)) + value
    }

    static func field(_ number: Int, _ value: String) -> [UInt8] { field(number, bytes: Array(value.utf8)) }

    /// `Header{request: {call_id, service, method, timeout_micros 60 s, attempt 1, stream_window}}`.
    static func request(callID: UInt64, method: String, streamWindow: UInt64 = 0) -> [UInt8] {
        var request = field(1, varint: callID) + field(2, broker) + field(3, method) + field(4, varint: 60_000_000)
        request += field(7, varint: 1)
        if streamWindow > 0 { request += field(9, varint: streamWindow) }
        return field(1, bytes: request)
    }

    /// `Header{stream_message: {call_id}}`.
    static func streamMessage(callID: UInt64) -> [UInt8] { field(6, bytes: field(1, varint: callID)) }

    /// `WorkerMessage{attach: {queues, worker, credit, heartbeat_millis}}`.
    static func attach(queue: String, worker: String, credit: UInt64, heartbeatMillis: UInt64) -> [UInt8] {
        field(
            1,
            bytes: field(1, queue) + field(2, worker) + field(3, varint: credit) + field(4, varint: heartbeatMillis)
        )
    }

    /// `EnqueueRequest{tasks: [{queue, payload}]}`.
    static func enqueue(queue: String, payload: [UInt8]) -> [UInt8] {
        field(1, bytes: field(1, queue) + field(2, bytes: payload))
    }
}
