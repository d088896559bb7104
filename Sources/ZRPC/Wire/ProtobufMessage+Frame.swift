package import ProtobufC
package import ZeroMQ

extension ProtobufMessage {
    /// Packs the message straight into a new ZeroMQ frame: protobuf-c writes into the frame's
    /// own buffer, with no intermediate copy. (For the runtime and this package's tests; a
    /// service author sees ``SerializedMessage``.)
    ///
    /// ```swift
    /// try socket.send([Frame(), try request.packedFrame()])
    /// ```
    ///
    /// - Throws: ``ProtobufC/ProtobufCError`` when a string holds a NUL, or ``ZeroMQ/ZMQError``
    ///   when libzmq cannot allocate the frame.
    package func packedFrame() throws -> Frame {
        try withPacked { packed in
            try Frame(size: packed.size) { buffer in packed.pack(into: buffer) }
        }
    }

    /// Decodes a message from a received frame's bytes, read in place.
    ///
    /// ```swift
    /// let request = try EchoRequest(frame: frames[2])
    /// ```
    ///
    /// - Parameters:
    ///   - frame: The frame holding the encoded message.
    ///   - limits: The bounds decoding applies to untrusted bytes.
    /// - Throws: ``ProtobufC/ProtobufCError`` when the bytes are not a valid message.
    package init(frame: Frame, limits: DecodingLimits = .defaults) throws {
        self = try frame.withUnsafeBytes { try Self(serializedBytes: $0, limits: limits) }
    }
}
