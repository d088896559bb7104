import Foundation
internal import ProtobufC
import ZRPC
package import ZeroMQ

/// The pub/sub wire format (docs/PROTOCOL.md, "Pub/sub"): every message is three frames,
/// [topic][header: `zrpc.pubsub.EventHeader`][payload]; subscriptions are libzmq's own
/// one-frame messages, `0x01` (subscribe) or `0x00` (unsubscribe) and the prefix.
package enum PubSubWire {
    /// The header's `version`.
    static let version: UInt32 = 1
    package static let frameCount = 3
    /// Topics starting with this belong to ZRPC.
    static let reservedFirstByte = UInt8(ascii: "~")
    /// A subscriber subscribes to this plus its own id (hex); publishers and forwarders answer on it.
    static let welcomePrefix: [UInt8] = Array("~zrpc.welcome.".utf8)
    /// A subscriber that wants a forwarder's snapshot subscribes to this, its id (hex), a dot and
    /// one of its prefixes; the forwarder answers on that topic.
    static let snapshotPrefix: [UInt8] = Array("~zrpc.snapshot.".utf8)
    /// The most bytes of a header this side decodes (it is small: metadata is for trace ids).
    static let headerLimits = DecodingLimits(maxMessageBytes: 64 << 10)

    /// The welcome topic of the subscriber `id`.
    static func welcomeTopic(_ id: PublisherID) -> [UInt8] {
        welcomePrefix + Array(id.description.utf8)
    }

    /// The snapshot topic of the subscriber `id` for `prefix`.
    static func snapshotTopic(_ id: PublisherID, prefix: [UInt8]) -> [UInt8] {
        snapshotPrefix + Array(id.description.utf8) + [UInt8(ascii: ".")] + prefix
    }

    /// A decoded header, with what the application sees.
    package struct Header: Sendable {
        package var kind: Zrpc_Pubsub_Kind
        package var publisher: PublisherID
        package var sequence: UInt64
        package var timestampMicros: Int64
        package var metadata: Metadata
        /// The event's topic, in a snapshot (empty otherwise).
        package var topic = ""
    }

    /// Why a message was dropped.
    package enum Rejection: Error, Sendable, CustomStringConvertible {
        case frameCount(Int)
        case header(String)
        case unsupportedVersion(UInt32)
        case payload(String)

        package var description: String {
            switch self {
            case .frameCount(let count): "a pub/sub message has 3 frames, this one \(count)"
            case .header(let reason): "the header frame does not decode: \(reason)"
            case .unsupportedVersion(let version): "unsupported pub/sub header version \(version); this side speaks 1"
            case .payload(let reason): "the payload does not decode: \(reason)"
            }
        }
    }

    /// Encodes a header frame.
    static func headerFrame(
        kind: Zrpc_Pubsub_Kind,
        publisher: PublisherID,
        sequence: UInt64,
        timestampMicros: Int64,
        metadata: Metadata,
        topic: String = ""
    ) throws -> Frame {
        let header = Zrpc_Pubsub_EventHeader(
            version: version,
            kind: kind,
            publisherID: publisher.bytes,
            sequence: sequence,
            timestampUnixMicros: timestampMicros,
            metadata: metadata.map { Zrpc_Pubsub_MetadataEntry(key: $0.key, value: $0.value) },
            topic: topic
        )
        return try header.withPacked { packed in
            try Frame(size: packed.size) { buffer in _ = packed.pack(into: buffer) }
        }
    }

    /// Decodes a header frame's bytes.
    package static func header(_ bytes: UnsafeRawBufferPointer) -> Result<Header, Rejection> {
        let decoded: Zrpc_Pubsub_EventHeader
        do {
            decoded = try Zrpc_Pubsub_EventHeader(serializedBytes: bytes, limits: headerLimits)
        } catch {
            return .failure(.header("\(error)"))
        }
        guard decoded.version == version else { return .failure(.unsupportedVersion(decoded.version)) }
        guard (1...64).contains(decoded.publisherID.count) else {
            return .failure(.header("publisher_id has \(decoded.publisherID.count) bytes, not 1 to 64"))
        }
        var metadata = Metadata()
        for entry in decoded.metadata { metadata.append(entry.key, entry.value) }
        return .success(
            Header(
                kind: decoded.kind,
                publisher: PublisherID(bytes: decoded.publisherID),
                sequence: decoded.sequence,
                timestampMicros: decoded.timestampUnixMicros,
                metadata: metadata,
                topic: decoded.topic
            )
        )
    }

    /// A welcome message: the welcome topic, a header of `kind` from `sender`, an empty payload.
    static func welcome(topic: [UInt8], kind: Zrpc_Pubsub_Kind, sender: PublisherID) throws -> [Frame] {
        [
            try Frame(bytes: topic),
            try headerFrame(kind: kind, publisher: sender, sequence: 0, timestampMicros: nowMicros(), metadata: [:]),
            Frame(),
        ]
    }

    /// Microseconds since the Unix epoch.
    static func nowMicros() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }

    /// A subscription message an XPUB socket received.
    package struct SubscriptionMessage {
        package var subscribe: Bool
        package var prefix: [UInt8]

        /// The subscriber id when this is a welcome prefix.
        package var welcomeID: [UInt8]? {
            guard prefix.count > PubSubWire.welcomePrefix.count, prefix.starts(with: PubSubWire.welcomePrefix) else {
                return nil
            }
            return Array(prefix.dropFirst(PubSubWire.welcomePrefix.count))
        }

        /// The prefix a snapshot is asked for, when this is a snapshot topic
        /// (`~zrpc.snapshot.<id>.<prefix>`).
        package var snapshotRequest: [UInt8]? {
            guard prefix.starts(with: PubSubWire.snapshotPrefix) else { return nil }
            let rest = prefix.dropFirst(PubSubWire.snapshotPrefix.count)
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), dot > rest.startIndex else { return nil }
            return Array(rest[rest.index(after: dot)...])
        }
    }

    /// Parses an XPUB's received message: one frame, `0x01` or `0x00` then the prefix; anything
    /// else is not a subscription (nil).
    package static func subscription(_ message: borrowing ReceivedMessage) -> SubscriptionMessage? {
        guard message.count == 1 else { return nil }
        return message.withUnsafeBytes(at: 0) { bytes -> SubscriptionMessage? in
            guard let first = bytes.first, first <= 1 else { return nil }
            return SubscriptionMessage(subscribe: first == 1, prefix: Array(bytes.dropFirst()))
        }
    }

    /// Maps a failure to bind or connect onto the error users see.
    static func setupError(_ error: any Error, _ what: String) -> RPCError {
        if let error = error as? RPCError { return error }
        if let error = error as? ZMQError, error.code == .invalidArgument || error.code == .protocolNotSupported {
            return RPCError(code: .invalidArgument, message: "could not \(what): \(error)", cause: error)
        }
        return RPCError(code: .unavailable, message: "could not \(what): \(error)", cause: error)
    }
}

/// Where a pub/sub end attaches: it binds one endpoint or connects to one or more.
enum PubSubAttachment: Sendable, CustomStringConvertible {
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
    /// - Returns: The endpoints: the bound one as resolved, or those connected to.
    func attach(_ socket: Socket) throws -> [String] {
        switch self {
        case .bind(let endpoint):
            do {
                try socket.bind(endpoint)
                return [try socket.lastEndpoint]
            } catch {
                throw PubSubWire.setupError(error, "bind \(endpoint)")
            }
        case .connect(let endpoints):
            guard !endpoints.isEmpty else {
                throw RPCError(code: .invalidArgument, message: "a pub/sub end needs an endpoint to connect to")
            }
            for endpoint in endpoints {
                do {
                    try socket.connect(endpoint)
                } catch {
                    throw PubSubWire.setupError(error, "connect to \(endpoint)")
                }
            }
            return endpoints
        }
    }
}
