public import CProtobufC

#if canImport(Glibc)
    internal import Glibc
#endif

/// What generated code uses to turn an unpacked protobuf-c struct into Swift values.
///
/// It validates strings (UTF-8, no embedded NUL) and copies arrays and bytes out of the memory
/// protobuf-c unpacked into, which is freed as soon as decoding returns.
public struct DecodingContext {
    /// The arena protobuf-c unpacked into, alive for as long as decoding runs.
    @usableFromInline let arena: UnsafeMutablePointer<DecodingArena>
    @usableFromInline let descriptor: MessageDescriptor

    @usableFromInline
    init(arena: UnsafeMutablePointer<DecodingArena>, descriptor: MessageDescriptor) {
        self.arena = arena
        self.descriptor = descriptor
    }

    /// Converts a C string field to a Swift string.
    ///
    /// - Parameter pointer: The field's `char *`.
    /// - Throws: ``ProtobufCError`` when the bytes are not UTF-8 or contain a NUL.
    public func string(_ pointer: UnsafeMutablePointer<CChar>?) throws -> String {
        guard let pointer else { return "" }
        let length = strlen(pointer)
        if let allocated = arena.pointee.allocationSize(of: pointer), allocated != length + 1 {
            throw ProtobufCError(
                code: .embeddedNUL,
                message: "a string field contains a NUL character",
                messageType: descriptor.fullName
            )
        }
        // The C-string initialiser validates without generic dispatch (the buffer one is generic
        // and was a measurable share of decoding a request header).
        guard let string = String(validatingCString: pointer) else {
            throw ProtobufCError(
                code: .invalidUTF8,
                message: "a string field is not valid UTF-8",
                messageType: descriptor.fullName
            )
        }
        return string
    }

    /// Copies a `bytes` field.
    ///
    /// - Parameter data: The field's `ProtobufCBinaryData`.
    public func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    /// Converts a sub-message field, or returns nil when it is absent.
    ///
    /// - Parameter pointer: The field's struct pointer.
    @inlinable
    public func message<Message: ProtobufMessage>(
        _ pointer: UnsafeMutablePointer<Message.CMessage>?
    ) throws -> Message? {
        guard let pointer else { return nil }
        return try decode(Message.self, at: UnsafeRawPointer(pointer))
    }

    /// Converts an unpacked C struct, its unknown fields included.
    @inlinable
    func decode<Message: ProtobufMessage>(_ type: Message.Type, at pointer: UnsafeRawPointer) throws -> Message {
        var message = try Message(decoding: pointer.assumingMemoryBound(to: Message.CMessage.self), context: self)
        if pointer.assumingMemoryBound(to: ProtobufCMessage.self).pointee.n_unknown_fields > 0 {
            message.unknownFields = try unknownFields(at: pointer)
        }
        return message
    }

    @usableFromInline
    func unknownFields(at pointer: UnsafeRawPointer) throws -> ProtobufUnknownFields {
        do {
            return try ProtobufUnknownFields.read(from: pointer)
        } catch let error as ProtobufCError {
            throw error.naming(descriptor)
        }
    }

    /// Copies a repeated scalar field.
    ///
    /// - Parameters:
    ///   - pointer: The field's C array.
    ///   - count: The field's `n_…` count.
    @inlinable
    public func array<Element>(_ pointer: UnsafeMutablePointer<Element>?, count: Int) -> [Element] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Converts each element of a repeated field.
    ///
    /// - Parameters:
    ///   - pointer: The field's C array.
    ///   - count: The field's `n_…` count.
    ///   - transform: Converts one C element.
    @inlinable
    public func array<Element, Result>(
        _ pointer: UnsafeMutablePointer<Element>?,
        count: Int,
        _ transform: (Element) throws -> Result
    ) rethrows -> [Result] {
        guard let pointer, count > 0 else { return [] }
        return try UnsafeBufferPointer(start: pointer, count: count).map(transform)
    }

    /// Converts a map field (protoc-c's repeated entry messages) into a ``ProtobufMap``; a later
    /// entry with the same key wins, as protobuf specifies.
    ///
    /// - Parameters:
    ///   - pointer: The field's array of entry pointers.
    ///   - count: The field's `n_…` count.
    ///   - transform: Converts one entry to a key and a value.
    @inlinable
    public func map<Entry, Key: ProtobufMapKey, Value: ProtobufEquatable & Sendable>(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>?,
        count: Int,
        _ transform: (UnsafeMutablePointer<Entry>) throws -> (Key, Value)
    ) rethrows -> ProtobufMap<Key, Value> {
        guard let pointer, count > 0 else { return [:] }
        var result = ProtobufMap<Key, Value>(minimumCapacity: count)
        for entry in UnsafeBufferPointer(start: pointer, count: count) {
            guard let entry else { continue }
            let (key, value) = try transform(entry)
            result[key] = value
        }
        return result
    }
}
