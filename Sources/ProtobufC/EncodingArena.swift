public import CProtobufC

#if canImport(Glibc)
    internal import Glibc
#endif

/// Scratch memory for the C structs built while packing one message.
///
/// Generated code builds the protoc-c struct of a message inside an arena (strings, arrays and
/// sub-messages included), protobuf-c packs it, and the arena frees everything at once. Memory
/// is handed out uninitialised: every caller initialises what it asks for (protoc-c's `…__init`
/// writes a whole struct). Not thread-safe: one arena serves one pack on one thread.
public final class EncodingArena {
    // Exclusivity is not checked at run time for these: an arena serves one pack on one thread,
    // and no method touches them while another access to them is in progress (none calls out
    // while holding one), so the checks could never fire. They showed up in profiles of a busy
    // client as 40% of the exclusivity checks of its whole thread.
    @exclusivity(unchecked) @usableFromInline var cursor: UnsafeMutableRawPointer?
    @exclusivity(unchecked) @usableFromInline var remaining: Int
    /// The newest chunk this arena allocated; each chunk's first word links to the one before.
    @exclusivity(unchecked) private var ownedChunks: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var nextChunkSize: Int

    @usableFromInline static let alignment = 16

    /// Creates an arena whose first allocations come from `buffer`, which the caller keeps alive
    /// for as long as the arena is used (typically a stack buffer).
    ///
    /// - Parameter buffer: Memory to use first; may be empty.
    public init(buffer: UnsafeMutableRawBufferPointer) {
        let start = buffer.baseAddress
        let misalignment = start.map { Int(bitPattern: $0) & (Self.alignment - 1) } ?? 0
        let skip = misalignment == 0 ? 0 : Self.alignment - misalignment
        cursor = start.map { $0 + skip }
        remaining = max(buffer.count - skip, 0)
        nextChunkSize = max(buffer.count * 2, 1024)
    }

    /// Creates an arena that allocates all its memory itself.
    public convenience init() {
        self.init(buffer: UnsafeMutableRawBufferPointer(start: nil, count: 0))
    }

    deinit {
        var chunk = ownedChunks
        while let current = chunk {
            chunk = current.load(as: UnsafeMutableRawPointer?.self)
            current.deallocate()
        }
    }

    /// Returns uninitialised memory, 16-byte aligned, that lives as long as the arena.
    ///
    /// - Parameter byteCount: How many bytes.
    @inlinable
    public func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (max(byteCount, 1) + Self.alignment - 1) & ~(Self.alignment - 1)
        if size <= remaining, let pointer = cursor {
            cursor = pointer + size
            remaining -= size
            return pointer
        }
        return allocateChunk(for: size)
    }

    @usableFromInline
    func allocateChunk(for size: Int) -> UnsafeMutableRawPointer {
        let chunkSize = max(size + Self.alignment, nextChunkSize)
        nextChunkSize = chunkSize * 2
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: Self.alignment)
        chunk.storeBytes(of: ownedChunks, as: UnsafeMutableRawPointer?.self)
        ownedChunks = chunk
        let pointer = chunk + Self.alignment
        cursor = pointer + size
        remaining = chunkSize - Self.alignment - size
        return pointer
    }

    /// Copies a string into a NUL-terminated C string.
    ///
    /// - Parameter string: The string; it must not contain NUL, which C strings cannot carry.
    /// - Throws: ``ProtobufCError`` with code ``ProtobufCError/Code/embeddedNUL``.
    public func cString(_ string: String) throws -> UnsafeMutablePointer<CChar>? {
        var string = string
        return try string.withUTF8 { utf8 in
            let target = allocate(byteCount: utf8.count + 1)
            if let base = utf8.baseAddress, !utf8.isEmpty {
                if memchr(base, 0, utf8.count) != nil {
                    throw ProtobufCError(
                        code: .embeddedNUL,
                        message: "a string field contains a NUL character, which protobuf-c cannot encode",
                        messageType: ""
                    )
                }
                target.copyMemory(from: base, byteCount: utf8.count)
            }
            target.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return target.assumingMemoryBound(to: CChar.self)
        }
    }

    /// Copies bytes into a `ProtobufCBinaryData`.
    ///
    /// - Parameter bytes: The bytes of a `bytes` field.
    public func binaryData(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let target = allocate(byteCount: bytes.count)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { target.copyMemory(from: base, byteCount: source.count) }
        }
        return ProtobufCBinaryData(len: bytes.count, data: target.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies an array of C-compatible values into the arena.
    ///
    /// - Parameter values: The elements of a repeated scalar field.
    /// - Returns: The C array, or `nil` when `values` is empty.
    @inlinable
    public func array<Element>(_ values: [Element]) -> UnsafeMutablePointer<Element>? {
        guard !values.isEmpty else { return nil }
        let target = allocate(byteCount: MemoryLayout<Element>.stride * values.count)
            .bindMemory(to: Element.self, capacity: values.count)
        _ = UnsafeMutableBufferPointer(start: target, count: values.count).initialize(from: values)
        return target
    }

    /// Builds a C array by converting each element.
    ///
    /// - Parameters:
    ///   - values: The elements of a repeated field.
    ///   - transform: Converts one element to its C representation.
    /// - Returns: The C array, or `nil` when `values` is empty.
    @inlinable
    public func array<Source: Collection, Element>(
        _ values: Source,
        _ transform: (Source.Element) throws -> Element
    ) rethrows -> UnsafeMutablePointer<Element>? {
        guard !values.isEmpty else { return nil }
        let count = values.count
        let target = allocate(byteCount: MemoryLayout<Element>.stride * count)
            .bindMemory(to: Element.self, capacity: count)
        var index = 0
        for value in values {
            (target + index).initialize(to: try transform(value))
            index += 1
        }
        return target
    }

    /// Allocates a C struct and initialises it with its protoc-c init function.
    ///
    /// - Parameter initializer: The struct's generated `…__init` function.
    @inlinable
    public func makeCMessage<CMessage>(
        _ initializer: (UnsafeMutablePointer<CMessage>?) -> Void
    ) -> UnsafeMutablePointer<CMessage> {
        let pointer = allocate(byteCount: MemoryLayout<CMessage>.size)
            .bindMemory(to: CMessage.self, capacity: 1)
        initializer(pointer)
        return pointer
    }

    /// Builds the C struct of a message (and of everything it contains) in the arena.
    ///
    /// - Parameter message: The message to convert.
    @inlinable
    public func message<Message: ProtobufMessage>(
        _ message: Message
    ) throws -> UnsafeMutablePointer<Message.CMessage>? {
        try cMessage(of: message)
    }

    /// Builds a message's C struct (unknown fields included) in the arena.
    @inlinable
    func cMessage<Message: ProtobufMessage>(of message: Message) throws -> UnsafeMutablePointer<Message.CMessage> {
        let pointer = allocate(byteCount: MemoryLayout<Message.CMessage>.size)
            .bindMemory(to: Message.CMessage.self, capacity: 1)
        Message.initializeCMessage(pointer)
        if !message.unknownFields.isEmpty {
            message.unknownFields.attach(to: UnsafeMutableRawPointer(pointer), arena: self)
        }
        try message.encode(into: pointer, arena: self)
        return pointer
    }

    /// Makes a `-0.0` in a singular `float` field reach the wire.
    ///
    /// protobuf-c skips a proto3 scalar that compares equal to zero, and `-0.0 == 0`; protobuf
    /// encodes it (the sign is a value). Generated code calls this after setting the C field; for
    /// `-0.0` it adds the field to the C struct's unknown fields, which protobuf-c packs as they are.
    ///
    /// - Parameters:
    ///   - value: The field's value.
    ///   - fieldNumber: The field's number.
    ///   - cMessage: The C struct being filled.
    @inlinable
    public func preserveNegativeZero<CMessage>(
        _ value: Float,
        fieldNumber: UInt32,
        in cMessage: UnsafeMutablePointer<CMessage>
    ) {
        guard value == 0, value.sign == .minus else { return }
        appendFixedWidthField(
            value.bitPattern.littleEndian,
            wireType: 5,
            fieldNumber: fieldNumber,
            in: UnsafeMutableRawPointer(cMessage)
        )
    }

    /// Makes a `-0.0` in a singular `double` field reach the wire (see the `Float` variant).
    ///
    /// - Parameters:
    ///   - value: The field's value.
    ///   - fieldNumber: The field's number.
    ///   - cMessage: The C struct being filled.
    @inlinable
    public func preserveNegativeZero<CMessage>(
        _ value: Double,
        fieldNumber: UInt32,
        in cMessage: UnsafeMutablePointer<CMessage>
    ) {
        guard value == 0, value.sign == .minus else { return }
        appendFixedWidthField(
            value.bitPattern.littleEndian,
            wireType: 1,
            fieldNumber: fieldNumber,
            in: UnsafeMutableRawPointer(cMessage)
        )
    }

    @usableFromInline
    func appendFixedWidthField<Bits: FixedWidthInteger>(
        _ bits: Bits,
        wireType: UInt64,
        fieldNumber: UInt32,
        in cMessage: UnsafeMutableRawPointer
    ) {
        withUnsafeBytes(of: bits) { value in
            let record = ProtobufUnknownFields.record(
                number: fieldNumber,
                wireType: wireType,
                value: value,
                arena: self
            )
            ProtobufUnknownFields.append([record], to: cMessage, arena: self)
        }
    }
}
