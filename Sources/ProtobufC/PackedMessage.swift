internal import CProtobufC

/// A message converted to its protoc-c struct, ready to be packed: its ``size`` is known, so the
/// caller can allocate exactly that much (say, an outgoing ZeroMQ frame) and ``pack(into:)``.
///
/// Only valid inside ``ProtobufMessage/withPacked(_:)``.
///
/// ```swift
/// let frame = try request.withPacked { packed in
///     Frame(size: packed.size) { buffer in packed.pack(into: buffer) }
/// }
/// ```
public struct PackedMessage: ~Copyable {
    @usableFromInline let cMessage: UnsafeRawPointer

    /// The encoded size in bytes.
    public let size: Int

    @usableFromInline
    init(cMessage: UnsafeRawPointer) {
        self.cMessage = cMessage
        self.size = protobuf_c_message_get_packed_size(cMessage.assumingMemoryBound(to: ProtobufCMessage.self))
    }

    /// Packs the message into `buffer`, which must hold at least ``size`` bytes.
    ///
    /// - Parameter buffer: Where the encoded bytes go.
    /// - Returns: The number of bytes written (``size``), or 0 when the buffer is too small.
    @discardableResult
    public func pack(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard buffer.count >= size, let base = buffer.baseAddress else { return 0 }
        return protobuf_c_message_pack(
            cMessage.assumingMemoryBound(to: ProtobufCMessage.self),
            base.assumingMemoryBound(to: UInt8.self)
        )
    }
}
