import ProtobufC
import ZeroMQ

/// The raw baselines' own protobuf ↔ frame conversions: defined in this module, so they are
/// specialised for each message type here as the runtime's are inside ZRPC (ZRPC's package
/// helpers are not inlinable across modules, and unspecialised generic calls would make the raw
/// references slower than the work they stand for).
extension ProtobufMessage {
    /// Packs the message straight into a new frame.
    func rawFrame() throws -> Frame {
        try withPacked { packed in try Frame(size: packed.size) { buffer in packed.pack(into: buffer) } }
    }

    /// Decodes a message from a frame's bytes, in place.
    init(rawFrame frame: Frame) throws {
        self = try frame.withUnsafeBytes { try Self(serializedBytes: $0) }
    }
}
