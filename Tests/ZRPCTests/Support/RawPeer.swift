import ConformanceMessages
import Foundation
import ProtobufC
import ZRPC
import ZeroMQ

/// A bare ZeroMQ peer speaking (or mangling) the wire protocol by hand, for tests that need to
/// send what a well-behaved ZRPC client or server never would.
///
/// Its blocking calls run on a thread of their own (``offPool(_:)``): blocking Swift's small
/// cooperative pool would starve the handlers of the servers under test.
final class RawPeer: @unchecked Sendable {
    // Safe to share: a test uses one peer from one task at a time; each blocking call runs on a
    // helper thread while that task waits for it, so the socket is never used by two threads at once.
    struct Request {
        let routingID: Frame
        let header: Zrpc_Wire_Header
        let payload: Frame?
    }

    struct Timeout: Error {}

    let context: Context
    let socket: Socket
    let endpoint: String
    /// Calls of a batched message not returned yet (a message may carry several).
    private var unread: [Request] = []
    /// ZRPC messages ``receiveCall(routed:)`` has read so far (a message may carry several calls).
    private(set) var messagesRead = 0

    private init(type: SocketType, endpoint: String, bind: Bool) throws {
        context = try Context()
        socket = try Socket(context, type: type)
        try socket.set(.receiveTimeout, .seconds(5))
        try socket.set(.sendTimeout, .seconds(5))
        if bind {
            try socket.bind(endpoint)
            self.endpoint = try socket.lastEndpoint
        } else {
            try socket.connect(endpoint)
            self.endpoint = endpoint
        }
    }

    /// A ROUTER bound on a free tcp port, acting as a server.
    static func withRouter(_ body: (RawPeer) async throws -> Void) async throws {
        let peer = try RawPeer(type: .router, endpoint: "tcp://127.0.0.1:*", bind: true)
        defer { peer.socket.close() }
        try await body(peer)
    }

    /// A DEALER connected to `endpoint`, acting as a (possibly hostile) client.
    static func dealer(connectedTo endpoint: String) throws -> RawPeer {
        try RawPeer(type: .dealer, endpoint: endpoint, bind: false)
    }

    func close() {
        socket.close()
    }

    /// Runs a blocking socket call on a thread of its own and waits for it.
    private func offPool<Value: Sendable>(_ body: @escaping @Sendable (Socket) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body(self.socket) }) }.start()
        }
    }

    func send(_ frames: [Frame]) async throws {
        try await offPool { socket in
            guard try socket.send(frames) else { throw Timeout() }
        }
    }

    /// The next message (5 s at most).
    func receive() async throws -> [Frame] {
        try await offPool { socket in
            guard let frames = try socket.receive(maxFrames: 256) else { throw Timeout() }
            return frames
        }
    }

    /// The next call: from the calls left of the last message, or from the next message, whose
    /// frames from `start` on are delimiter, signature, and then a header and (for requests and
    /// responses) a payload per call.
    func receiveCall(routed: Bool) async throws -> Request {
        if unread.isEmpty {
            let frames = try await receive()
            messagesRead += 1
            let start = routed ? 1 : 0
            guard frames.count >= start + 3, frames[start + 1].string == "ZRPC01" else { throw Timeout() }
            let routingID = routed ? frames[0] : Frame()
            var position = start + 2
            while position < frames.count {
                let header = try Zrpc_Wire_Header(frame: frames[position])
                let hasPayload = header.request != nil || header.response != nil || header.streamMessage != nil
                let payload = hasPayload && position + 1 < frames.count ? frames[position + 1] : nil
                unread.append(Request(routingID: routingID, header: header, payload: payload))
                position += hasPayload ? 2 : 1
            }
        }
        guard !unread.isEmpty else { throw Timeout() }
        return unread.removeFirst()
    }

    /// As a server: the next ZRPC call from a client.
    func receiveRequest() async throws -> Request {
        try await receiveCall(routed: true)
    }

    /// As a server: answers a request with OK and `message`.
    func respond(to request: Request, with message: some ProtobufMessage) async throws {
        let header = Zrpc_Wire_Header(kind: .response(.init(callID: request.header.request?.callID ?? 0)))
        try await send([request.routingID, Frame(), Frame("ZRPC01"), header.packedFrame(), message.packedFrame()])
    }

    /// As a client: the frames of a request (delimiter, signature, header, payload).
    static func requestFrames(
        callID: UInt64,
        service: String,
        method: String,
        payload: Frame,
        timeoutMicros: UInt64 = 5_000_000,
        signature: String = "ZRPC01"
    ) throws -> [Frame] {
        let header = Zrpc_Wire_Header(
            kind: .request(
                .init(callID: callID, service: service, method: method, timeoutMicros: timeoutMicros, attempt: 1)
            )
        )
        return [Frame(), try Frame(signature), try header.packedFrame(), payload]
    }

    /// As a client: the response header and payload of the next response.
    func receiveResponse() async throws -> (header: Zrpc_Wire_ResponseHeader, payload: Frame) {
        let call = try await receiveCall(routed: false)
        guard let header = call.header.response, let payload = call.payload else { throw Timeout() }
        return (header, payload)
    }
}

extension Zrpc_Wire_Header {
    var request: Zrpc_Wire_RequestHeader? {
        if case .request(let request)? = kind { return request }
        return nil
    }

    var response: Zrpc_Wire_ResponseHeader? {
        if case .response(let response)? = kind { return response }
        return nil
    }

    var streamMessage: Zrpc_Wire_StreamMessage? {
        if case .streamMessage(let message)? = kind { return message }
        return nil
    }
}
