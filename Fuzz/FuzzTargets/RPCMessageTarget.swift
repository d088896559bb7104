import ProtobufC
import ZRPC
import ZeroMQ

extension FuzzTarget {
    /// A received RPC message (docs/PROTOCOL.md, "Messages"): delimiter, signature, and a batch of
    /// headers and payloads, read by ``ZRPC/WireFormat/parse(_:from:_:)`` twice, as a server reads
    /// it (frame 0 is the client's routing id) and as a client reads it (no routing id). Each call
    /// read goes on as the server and client take it: method, metadata and timeout of a request,
    /// the status of a response.
    package static let rpcMessage = FuzzTarget(
        name: "rpc-message",
        summary: "RPC wire header and batch parsing (WireFormat.parse), as server and client"
    ) { input in
        let frames = FuzzFrames.split(input, maxFrames: 1 + WireFormat.maxFrames)
        // parse moves payloads out of the message, so each reader gets its own copy.
        _ = try? ReceivedMessage.withFrames(frames) { message in
            let failure = WireFormat.parse(message, from: 1, RPCMessageReader.take)
            _ = failure.map { "\($0)" }
        }
        _ = try? ReceivedMessage.withFrames(frames) { message in
            let failure = WireFormat.parse(message, from: 0, RPCMessageReader.take)
            _ = failure.map { "\($0)" }
        }
    }
}

/// What the server and the client derive from each call they read, short of running it.
private enum RPCMessageReader {
    static let configuration = Server.Configuration(endpoints: [])

    static func take(_ call: WireFormat.Parsed) {
        switch call.header.kind {
        case .request(let header)?:
            _ = MethodDescriptor(service: header.service, method: header.method).description
            _ = WireFormat.metadata(header.metadata)
            _ = ServerTimeouts.clamp(micros: header.timeoutMicros, configuration)
        case .response(let header)?:
            _ = WireStatus.error(from: header, metadata: WireFormat.metadata(header.metadata))
        default:
            break
        }
        _ = call.payload?.count
    }
}
