import ProtobufC
internal import ZeroMQ

/// ZRPC wire protocol v1 (docs/PROTOCOL.md): the frames of a message after any routing ids.
///
/// `[empty delimiter]["ZRPC01"]` and then one or more calls, each a `[Header]` frame followed by a
/// `[payload]` frame when the header is a request or a response. A message with several calls is
/// a batch: the calls a loop round produced for one peer travel together.
enum WireFormat {
    /// The signature and version frame's text.
    static let signature = "ZRPC01"
    /// Every ZRPC signature starts with this; what follows is the version.
    static let signaturePrefix = "ZRPC"
    /// ``signature`` as bytes, compared with each message's signature frame.
    private static let signatureBytes = Array(signature.utf8)
    /// Bounds for decoding a header (headers are small; metadata included).
    static let headerLimits = DecodingLimits(maxMessageBytes: 64 << 10, allocationBudget: 1 << 20, maxNestingDepth: 4)
    /// The most calls a ZRPC peer puts in one message.
    static let maxCallsPerMessage = 32
    /// The stream messages a client may send on a new stream before the server grants credit.
    static let initialStreamCredit = 16
    /// The most frames a message may have after any routing id: delimiter, signature, and a
    /// header and a payload per call. Longer messages are dropped unread.
    static let maxFrames = 2 + 2 * maxCallsPerMessage

    /// One call of a message: the header, and the payload when the kind has one.
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
    /// reading headers in place; only payloads become ``Frame``s.
    ///
    /// - Parameter body: Called with each call of the message, in order.
    /// - Returns: Why the message, or the rest of it, could not be read; the calls before a bad
    ///   header have been passed to `body`. Nil when every call was read.
    static func parse(_ message: borrowing ReceivedMessage, from start: Int, _ body: (Parsed) -> Void) -> Failure? {
        guard message.count > start + 2 else {
            return .notZRPC("\(message.count - start) frames after the routing id, expected at least 3")
        }
        guard message.isEmpty(at: start) else { return .notZRPC("no empty delimiter frame") }
        let isCurrentVersion = message.withUnsafeBytes(at: start + 1) { $0.elementsEqual(signatureBytes) }
        if !isCurrentVersion {
            let version = message.withUnsafeBytes(at: start + 1) { versionText(ofSignature: $0) }
            guard let version else { return .notZRPC("no ZRPC signature frame") }
            return .unsupportedVersion(version)
        }
        var position = start + 2
        while position < message.count {
            let header: Zrpc_Wire_Header
            do {
                header = try message.withUnsafeBytes(at: position) {
                    try Zrpc_Wire_Header(serializedBytes: $0, limits: headerLimits)
                }
            } catch {
                let reason = (error as? ProtobufCError)?.message ?? "not a valid encoding"
                return .badHeader(
                    "the header in frame \(position - start + 1) after the routing id does not decode: \(reason)"
                )
            }
            switch header.kind {
            case .request?, .response?, .streamMessage?:
                guard position + 1 < message.count else {
                    return .badHeader(
                        "frame \(position - start + 1) after the routing id is a request, response or stream message header with no payload frame after it"
                    )
                }
                body(Parsed(header: header, payload: message.frame(at: position + 1)))
                position += 2
            case .cancel?, .ping?, .pong?, .streamEnd?, .credit?:
                body(Parsed(header: header, payload: nil))
                position += 1
            case nil:
                return .badHeader("the header sets no kind")
            }
        }
        return nil
    }

    /// The signature frame as it is quoted back to a peer speaking another version: nil when it does
    /// not start with the bytes `ZRPC`; otherwise its first 16 bytes, each byte outside printable
    /// ASCII shown as `?`, and `…` when it is longer.
    static func versionText(ofSignature bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.starts(with: signaturePrefix.utf8) else { return nil }
        return printableText(bytes.prefix(16)) + (bytes.count > 16 ? "…" : "")
    }

    /// Shared empty delimiter and signature frames: frames are immutable and sent as copies, so
    /// one of each serves every message.
    private static let delimiterFrame = Frame()
    private static let signatureFrame = try? Frame(signature)

    /// The frames of a message with one call: the routing id if given (a server's reply),
    /// delimiter, signature, header, and the payload if given.
    static func frames(routingID: Frame? = nil, header: Frame, payload: Frame? = nil) throws -> [Frame] {
        var message = try OutgoingMessage(routingID: routingID)
        message.append(header: header, payload: payload)
        return message.frames
    }

    /// The most frames before a message's first call: routing id, delimiter, signature.
    private static let prefixCountMax = 3

    /// A message being assembled: routing id (for a server's reply), delimiter and signature,
    /// then calls appended one by one, up to ``maxCallsPerMessage``.
    struct OutgoingMessage {
        /// The frames so far.
        private(set) var frames: [Frame]
        /// The calls appended so far.
        private(set) var calls = 0
        /// The frames before the first call.
        private let prefixCount: Int

        init(routingID: Frame?) throws {
            frames = []
            frames.reserveCapacity(prefixCountMax + 2 * maxCallsPerMessage)
            if let routingID { frames.append(routingID) }
            frames.append(delimiterFrame)
            frames.append(try signatureFrame ?? Frame(signature))
            prefixCount = frames.count
        }

        /// Whether the message holds as many calls as one message may.
        var isFull: Bool { calls >= maxCallsPerMessage }

        /// Adds a call: an encoded header, and the payload when the header is a request or a response.
        mutating func append(header: Frame, payload: Frame?) {
            frames.append(header)
            if let payload { frames.append(payload) }
            calls += 1
        }

        /// Removes the calls (once sent), keeping the routing id, delimiter and signature.
        mutating func removeCalls() {
            frames.removeSubrange(prefixCount...)
            calls = 0
        }
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

    /// The longest metadata key accepted, in bytes.
    static let maxMetadataKeyBytes = 128

    /// Why a request's metadata breaks the key rule of docs/PROTOCOL.md (1 to 128 bytes of `a`–`z`,
    /// `0`–`9`, `-`, `_` and `.`), or nil when every key keeps it.
    static func metadataKeyProblem(_ entries: [Zrpc_Wire_MetadataEntry]) -> String? {
        for entry in entries {
            let key = entry.key.utf8
            let valid =
                !key.isEmpty && key.count <= maxMetadataKeyBytes
                && key.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                }
            guard valid else {
                let shown = printableText(key.prefix(32)) + (key.count > 32 ? "…" : "")
                return "metadata key \"\(shown)\" is not 1 to \(maxMetadataKeyBytes) bytes of a-z, 0-9, '-', '_' or '.'"
            }
        }
        return nil
    }

    /// Bytes as printable ASCII, each other byte shown as `?`.
    static func printableText(_ bytes: some Sequence<UInt8>) -> String {
        String(bytes.map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "?" })
    }

    /// Microseconds in a duration, clamped to zero and up.
    static func micros(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(clamping: seconds) &* 1_000_000 &+ UInt64(clamping: attoseconds / 1_000_000_000_000)
    }
}
