import EchoMessages
import Foundation
import ZRPC
import ZeroMQ

/// The baseline server (`rpc-benchmark serve-raw [--protobuf]`): a ROUTER socket in a plain
/// blocking loop. No framework.
///
/// Plain, it sends every message straight back to its sender, frames unchanged. With `--protobuf`
/// (P32's server) it reads each message in ZRPC's batch layout and does, per call, the protobuf-c
/// work a ZRPC server cannot skip, and nothing more: it decodes the request header and the
/// `EchoRequest`, and encodes a response header and the `EchoReply`.
enum RawServer {
    /// The most frames of a message it echoes: a routing id, and the largest batch (delimiter,
    /// signature, and a header and a payload for each of 32 calls).
    static let maxFrames = 1 + 2 + 2 * Contender.batchedCallsPerMessage

    /// Binds `tcp://127.0.0.1:*`, prints the endpoint and serves until the driver goes away.
    ///
    /// - Parameter protobuf: Whether to decode each call and encode its reply instead of echoing.
    static func run(protobuf: Bool) throws -> Never {
        ParentWatchdog.start()
        let context = try Context()
        let socket = try Socket(context, type: .router)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.bind("tcp://127.0.0.1:*")
        ParentWatchdog.announce(endpoint: try socket.lastEndpoint)
        while true {
            do {
                // [routing id, …]: sending it back routes it to the same peer.
                guard let frames = try socket.receive(maxFrames: maxFrames) else { continue }
                try socket.send(protobuf ? try reply(to: frames) : frames)
            } catch {
                FileHandle.standardError.write(Data("serve-raw: \(error)\n".utf8))
            }
        }
    }

    /// The reply to `[routing id, delimiter, signature, (header, EchoRequest)…]`: the first three
    /// frames again, then a response header and an `EchoReply` for each call.
    static func reply(to frames: [Frame]) throws -> [Frame] {
        var reply = Array(frames.prefix(3))
        for index in stride(from: 3, to: frames.count - 1, by: 2) {
            guard case .request(let header)? = try Zrpc_Wire_Header(rawFrame: frames[index]).kind else {
                throw RawServerError.notARequest(frame: index)
            }
            let request = try Echo_EchoRequest(rawFrame: frames[index + 1])
            reply.append(try Zrpc_Wire_Header(kind: .response(.init(callID: header.callID))).rawFrame())
            reply.append(try Echo_EchoReply(text: request.text, sequence: request.sequence).rawFrame())
        }
        return reply
    }
}

/// What the `--protobuf` baseline server could not read.
enum RawServerError: Error, CustomStringConvertible {
    /// The frame where a request header should be holds another kind.
    case notARequest(frame: Int)

    var description: String {
        switch self {
        case .notARequest(let frame): "frame \(frame) is not a request header"
        }
    }
}
