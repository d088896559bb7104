extension ProtobufMessage {
    /// Decodes a message from protobuf bytes, within `limits`.
    ///
    /// Never traps on malformed or hostile input: size, nesting depth and memory are bounded,
    /// strings are checked for UTF-8, and every failure is a ``ProtobufCError``.
    ///
    /// ```swift
    /// let request = try EchoRequest(serializedBytes: frame.bytes)
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The encoded message.
    ///   - limits: The bounds to apply.
    @inlinable
    public init(serializedBytes bytes: UnsafeRawBufferPointer, limits: DecodingLimits = .defaults) throws {
        let descriptor = Self.protobufCDescriptor
        try Unpacking.checkSize(bytes, descriptor: descriptor, limits: limits)
        if Self.needsStructureScan,
            let merged = try WireStructure.prepare(bytes, descriptor: descriptor, maxDepth: limits.maxNestingDepth)
        {
            self = try merged.withUnsafeBytes { try Self(unpacking: $0, limits: limits) }
        } else {
            self = try Self(unpacking: bytes, limits: limits)
        }
    }

    /// Unpacks bytes that passed the checks.
    @inlinable
    init(unpacking bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws {
        let descriptor = Self.protobufCDescriptor
        self = try withUnsafeTemporaryAllocation(byteCount: Unpacking.stackBufferSize, alignment: 16) { buffer in
            var arena = DecodingArena(budget: limits.allocationBudget, expectedSize: bytes.count, buffer: buffer)
            defer { arena.release() }
            return try withUnsafeMutablePointer(to: &arena) { arena in
                let unpacked = try Unpacking.unpack(bytes, descriptor: descriptor, limits: limits, arena: arena)
                let context = DecodingContext(arena: arena, descriptor: descriptor)
                return try context.decode(Self.self, at: unpacked)
            }
        }
    }

    /// Decodes a message from protobuf bytes, within `limits`.
    ///
    /// - Parameters:
    ///   - bytes: The encoded message.
    ///   - limits: The bounds to apply.
    @inlinable
    public init(serializedBytes bytes: [UInt8], limits: DecodingLimits = .defaults) throws {
        self = try bytes.withUnsafeBytes { try Self(serializedBytes: $0, limits: limits) }
    }
}

/// The non-generic steps of decoding, kept out of line.
@usableFromInline
enum Unpacking {
    /// Small messages unpack into this much stack before the arena allocates.
    @usableFromInline static let stackBufferSize = 1024

    /// The size check that runs before anything else looks at the bytes.
    @usableFromInline
    static func checkSize(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: MessageDescriptor,
        limits: DecodingLimits
    ) throws {
        guard bytes.count <= limits.maxMessageBytes else {
            throw ProtobufCError(
                code: .tooLarge,
                message: "\(bytes.count) bytes exceed the limit of \(limits.maxMessageBytes)",
                messageType: descriptor.fullName
            )
        }
    }

    /// protobuf-c's unpack into `arena`, its failure turned into a ``ProtobufCError``.
    @usableFromInline
    static func unpack(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: MessageDescriptor,
        limits: DecodingLimits,
        arena: UnsafeMutablePointer<DecodingArena>
    ) throws -> UnsafeRawPointer {
        if let unpacked = DecodingArena.unpack(bytes, descriptor: descriptor, into: arena) { return unpacked }
        if arena.pointee.budgetExceeded {
            throw ProtobufCError(
                code: .allocationBudgetExceeded,
                message:
                    "decoding \(bytes.count) bytes would take more than \(limits.allocationBudget) bytes of memory, the decoding limit",
                messageType: descriptor.fullName
            )
        }
        throw ProtobufCError(
            code: .malformed,
            message: "\(bytes.count) bytes are not a valid protobuf encoding of this type",
            messageType: descriptor.fullName
        )
    }
}
