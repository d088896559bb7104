import ProtobufC
import ZeroMQ

/// ZRPC wire protocol v1 (docs/PROTOCOL.md): the frames of a message after any routing ids.
///
/// `[empty delimiter]["ZRPC01"][Header][payload]`: the payload frame follows request and
/// response headers only.
enum WireFormat {
    /// The signature and version frame's text.
    static let signature = "ZRPC01"
    /// Every ZRPC signature starts with this; what follows is the version.
    static let signaturePrefix = "ZRPC"
    /// ``signature`` as bytes, compared with each message's signature frame.
    private static let signatureBytes = Array(signature.utf8)
    /// Bounds for decoding a header (headers are small; metadata included).
    static let headerLimits = DecodingLimits(maxMessageBytes: 64 << 10, allocationBudget: 1 << 20, maxNestingDepth: 4)

    /// A message that parsed: the header, and the payload when the kind has one.
    struct Parsed {
        let header: Zrpc_Wire_Header
        let payload: Frame?
    }

    /// Why a message could not be parsed.
    enum Failure: Error, Equatable {
        /// Not a ZRPC message at all (no delimiter, no signature, too few frames).
        case notZRPC(String)
        /// A ZRPC peer speaking another version.
        case unsupportedVersion(String)
        /// A ZRPC v1 message whose header does not decode.
        case badHeader(String)
    }

    /// Parses a received message from the delimiter on (frame `start` is the empty delimiter),
    /// reading the header in place; only the payload becomes a ``Frame``.
    static func parse(_ message: borrowing ReceivedMessage, from start: Int) -> Result<Parsed, Failure> {
        guard message.count > start + 2 else {
            return .failure(.notZRPC("\(message.count - start) frames after the routing id, expected at least 3"))
        }
        guard message.isEmpty(at: start) else { return .failure(.notZRPC("no empty delimiter frame")) }
        let isCurrentVersion = message.withUnsafeBytes(at: start + 1) { $0.elementsEqual(signatureBytes) }
        if !isCurrentVersion {
            let text = message.withUnsafeBytes(at: start + 1) { bytes in
                bytes.count <= 16 ? String(validating: bytes, as: UTF8.self) : nil
            }
            guard let text, text.hasPrefix(signaturePrefix) else {
                return .failure(.notZRPC("no ZRPC signature frame"))
            }
            return .failure(.unsupportedVersion(text))
        }
        let header: Zrpc_Wire_Header
        do {
            header = try message.withUnsafeBytes(at: start + 2) { try Zrpc_Wire_Header(serializedBytes: $0, limits: headerLimits) }
        } catch {
            return .failure(.badHeader("\(error)"))
        }
        let expectsPayload: Bool
        switch header.kind {
        case .request?, .response?: expectsPayload = true
        case .cancel?, .ping?, .pong?: expectsPayload = false
        case nil: return .failure(.badHeader("the header sets no kind"))
        }
        let expectedCount = start + (expectsPayload ? 4 : 3)
        guard message.count == expectedCount else {
            return .failure(.badHeader("\(message.count - start) frames after the routing id, expected \(expectedCount - start)"))
        }
        return .success(Parsed(header: header, payload: expectsPayload ? message.frame(at: start + 3) : nil))
    }

    /// Shared empty delimiter and signature frames: frames are immutable and sent as copies, so
    /// one of each serves every message.
    private static let delimiterFrame = Frame()
    private static let signatureFrame = try? Frame(signature)

    /// The frames of a message: the routing id if given (a server's reply), delimiter, signature,
    /// header, and the payload if given.
    static func frames(routingID: Frame? = nil, header: Zrpc_Wire_Header, payload: Frame?) throws -> [Frame] {
        var frames: [Frame] = []
        frames.reserveCapacity(5)
        if let routingID { frames.append(routingID) }
        frames.append(delimiterFrame)
        frames.append(try signatureFrame ?? Frame(signature))
        frames.append(try header.packedFrame())
        if let payload { frames.append(payload) }
        return frames
    }

    /// Metadata as header entries.
    static func entries(_ metadata: Metadata) -> [Zrpc_Wire_MetadataEntry] {
        metadata.map { Zrpc_Wire_MetadataEntry(key: $0.key, value: $0.value) }
    }

    /// Header entries as metadata.
    static func metadata(_ entries: [Zrpc_Wire_MetadataEntry]) -> Metadata {
        var metadata = Metadata()
        for entry in entries { metadata.append(entry.key, entry.value) }
        return metadata
    }

    /// Microseconds in a duration, clamped to zero and up.
    static func micros(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(clamping: seconds) &* 1_000_000 &+ UInt64(clamping: attoseconds / 1_000_000_000_000)
    }
}
