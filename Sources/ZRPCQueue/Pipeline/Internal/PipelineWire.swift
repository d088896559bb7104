import ZRPC
package import ZeroMQ

/// The pipeline wire format (docs/PROTOCOL.md, "Pipelines"): every ZeroMQ message is exactly two
/// frames, the 6-byte signature `ZRPP01` and the payload (the message, protobuf-encoded).
package enum PipelineWire {
    /// Protocol `ZRPP` (ZRPC pipeline), version `01`.
    static let signature: [UInt8] = Array("ZRPP01".utf8)
    /// The protocol part of the signature: a message that starts with it but has another version is
    /// from a newer (or older) peer, not noise.
    static let protocolName: [UInt8] = Array("ZRPP".utf8)
    /// Frames in a message.
    package static let frameCount = 2

    /// Why a received message was dropped.
    package enum Rejection: Sendable, CustomStringConvertible {
        case frameCount(Int)
        case notAPipelineMessage
        case unsupportedVersion(String)

        package var description: String {
            switch self {
            case .frameCount(let count):
                "a pipeline message has \(PipelineWire.frameCount) frames, this one \(count)"
            case .notAPipelineMessage:
                "the first frame is not a pipeline signature (ZRPP01)"
            case .unsupportedVersion(let signature):
                "unsupported pipeline version \(signature); this receiver speaks ZRPP01"
            }
        }
    }

    /// Checks a received message's frames; the payload is frame 1.
    ///
    /// - Parameter message: The message, read in place.
    /// - Returns: Nil when the message is a pipeline message, otherwise why it is not.
    package static func check(_ message: borrowing ReceivedMessage) -> Rejection? {
        guard message.count == frameCount else { return .frameCount(message.count) }
        return message.withUnsafeBytes(at: 0) { bytes -> Rejection? in
            if bytes.elementsEqual(signature) { return nil }
            guard bytes.count == signature.count, bytes.starts(with: protocolName) else {
                return .notAPipelineMessage
            }
            let printable = bytes.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "?" }
            return .unsupportedVersion(String(printable))
        }
    }

    /// Maps a failure to bind or connect onto the error users see.
    ///
    /// - Parameters:
    ///   - error: What the transport threw.
    ///   - what: What was attempted, e.g. `bind tcp://127.0.0.1:5557`.
    /// - Returns: `INVALID_ARGUMENT` for a malformed endpoint, `UNAVAILABLE` otherwise.
    static func setupError(_ error: any Error, _ what: String) -> RPCError {
        if let error = error as? RPCError { return error }
        if let error = error as? ZMQError, error.code == .invalidArgument || error.code == .protocolNotSupported {
            return RPCError(code: .invalidArgument, message: "could not \(what): \(error)", cause: error)
        }
        return RPCError(code: .unavailable, message: "could not \(what): \(error)", cause: error)
    }
}

/// Where a pipeline end attaches: it binds one endpoint (the stable end, as the zguide's
/// ventilator and sink do) or connects to one or more (the workers).
enum PipelineAttachment: Sendable, CustomStringConvertible {
    case bind(String)
    case connect([String])

    var description: String {
        switch self {
        case .bind(let endpoint): "bind \(endpoint)"
        case .connect(let endpoints): "connect \(endpoints.joined(separator: ", "))"
        }
    }

    /// Binds or connects `socket`.
    ///
    /// - Returns: The endpoints: the bound one as resolved (a `tcp://…:*` wildcard's port filled
    ///   in), or those connected to.
    func attach(_ socket: Socket) throws -> [String] {
        switch self {
        case .bind(let endpoint):
            do {
                try socket.bind(endpoint)
                return [try socket.lastEndpoint]
            } catch {
                throw PipelineWire.setupError(error, "bind \(endpoint)")
            }
        case .connect(let endpoints):
            guard !endpoints.isEmpty else {
                throw RPCError(code: .invalidArgument, message: "a pipeline end needs an endpoint to connect to")
            }
            for endpoint in endpoints {
                do {
                    try socket.connect(endpoint)
                } catch {
                    throw PipelineWire.setupError(error, "connect to \(endpoint)")
                }
            }
            return endpoints
        }
    }
}
