import ConformanceMessages
import ProtobufC

extension FuzzTarget {
    /// Generated-message decoding (zrpc-gen's Swift over protobuf-c), over the conformance test
    /// messages: every field type, repeated and packed, maps, oneofs, a recursive tree, mutually
    /// recursive messages, and an older version that keeps unknown fields. The first byte picks the
    /// type, the rest is decoded; what decodes must encode, decode again to an equal value, and
    /// encode again to the same bytes. A mismatch traps: it is a finding.
    package static let messages = FuzzTarget(
        name: "messages",
        summary: "generated-message decoding, then encode and decode again (must round-trip equal)"
    ) { input in
        guard let selector = input.first else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        switch selector % 7 {
        case 0: RoundTrip.check(Zrpc_Test_AllTypes.self, bytes)
        case 1: RoundTrip.check(Zrpc_Test_TreeNode.self, bytes)
        case 2: RoundTrip.check(Zrpc_Test_Forest.self, bytes)
        case 3: RoundTrip.check(Zrpc_Test_Choice.self, bytes)
        case 4: RoundTrip.check(Zrpc_Test_Ping.self, bytes)
        case 5: RoundTrip.check(Zrpc_Test_AllTypesV1.self, bytes)
        default: RoundTrip.check(Zrpc_Test_AllTypesBatch.self, bytes)
        }
    }
}

/// Decode, encode, decode, encode: the round trip every decoded message must survive.
private enum RoundTrip {
    static func check<Message: ProtobufMessage>(_ type: Message.Type, _ bytes: UnsafeRawBufferPointer) {
        guard let decoded = try? Message(serializedBytes: bytes) else { return }
        let encoded: [UInt8]
        do {
            encoded = try decoded.serializedBytes()
        } catch {
            fatalError("\(Message.self) decoded but does not encode: \(error)")
        }
        let again: Message
        do {
            again = try Message(serializedBytes: encoded)
        } catch {
            fatalError("\(Message.self) encoded by ZRPC does not decode: \(error); bytes \(encoded)")
        }
        guard again == decoded else {
            fatalError("\(Message.self) changed in a round trip:\n\(decoded)\nbecame\n\(again)")
        }
        guard let reencoded = try? again.serializedBytes(), reencoded == encoded else {
            fatalError("\(Message.self) encodes differently after a round trip: \(encoded)")
        }
    }
}
