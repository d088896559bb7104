extension ProtobufMessage {
    /// Converts the message to its protoc-c struct and hands it to `body`, ready to be packed.
    ///
    /// This is the zero-copy path: size the destination with ``PackedMessage/size``, then
    /// ``PackedMessage/pack(into:)`` writes straight into it.
    ///
    /// - Parameter body: Receives the packed form; valid only during the call.
    /// - Throws: ``ProtobufCError`` when a string holds a NUL, or what `body` throws.
    @inlinable
    public func withPacked<Result>(_ body: (borrowing PackedMessage) throws -> Result) throws -> Result {
        try withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { buffer in
            let arena = EncodingArena(buffer: buffer)
            let cMessage: UnsafeMutablePointer<CMessage>
            do {
                cMessage = try arena.cMessage(of: self)
            } catch let error as ProtobufCError {
                throw error.naming(Self.protobufCDescriptor)
            }
            let packed = PackedMessage(cMessage: UnsafeRawPointer(cMessage))
            return try withExtendedLifetime(arena) { try body(packed) }
        }
    }

    /// Encodes the message to protobuf bytes.
    ///
    /// ```swift
    /// let bytes = try EchoRequest(text: "hi").serializedBytes()
    /// ```
    ///
    /// - Throws: ``ProtobufCError`` when a string holds a NUL.
    @inlinable
    public func serializedBytes() throws -> [UInt8] {
        try withPacked { packed in
            [UInt8](unsafeUninitializedCapacity: packed.size) { buffer, count in
                count = packed.pack(into: UnsafeMutableRawBufferPointer(buffer))
            }
        }
    }

    /// Encodes the message into a caller-provided buffer.
    ///
    /// - Parameter buffer: Where the bytes go.
    /// - Returns: The number of bytes written.
    /// - Throws: ``ProtobufCError`` with ``ProtobufCError/Code/bufferTooSmall`` when it does not fit.
    @inlinable
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try withPacked { packed in
            guard packed.size <= buffer.count else {
                throw ProtobufCError(
                    code: .bufferTooSmall,
                    message: "the message needs \(packed.size) bytes, the buffer has \(buffer.count)",
                    messageType: Self.protobufCDescriptor.fullName
                )
            }
            return packed.pack(into: buffer)
        }
    }
}
