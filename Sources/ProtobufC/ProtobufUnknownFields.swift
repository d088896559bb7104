internal import CProtobufC

/// The fields of a decoded message that its schema does not know, kept as wire-format bytes.
///
/// proto3 keeps unknown fields: a proxy, a broker or a service built against an older version of a
/// schema passes fields added later through unchanged. Decoding fills a message's
/// `unknownFields`; encoding writes them back after the known fields (protobuf-c's order).
///
/// ```swift
/// // A v2 client sent a field this v1 server does not know; the reply keeps it.
/// let request = try Echo_EchoRequest(serializedBytes: bytesFromNewerClient)
/// print(request.unknownFields.bytes.count)           // the unknown field, tag included
/// let forwarded = try request.serializedBytes()       // still holds it
/// ```
///
/// Two messages are equal only when their unknown fields are byte-for-byte equal too.
public struct ProtobufUnknownFields: Hashable, Sendable {
    /// The fields in wire format (tag, then value), in the order they were read.
    public var bytes: [UInt8] { storage }

    @usableFromInline var storage: [UInt8]

    /// No unknown fields.
    @inlinable
    public init() {
        storage = []
    }

    /// Unknown fields from wire-format bytes (one or more whole fields: tag, then value).
    ///
    /// - Parameter bytes: The fields.
    /// - Throws: ``ProtobufCError`` with code ``ProtobufCError/Code/malformed`` when `bytes` are not
    ///   whole fields with numbers from 1 to 2^29 − 1 and wire types 0, 1, 2 or 5.
    public init(serializedBytes bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            while !reader.isAtEnd {
                guard let field = reader.nextField(), Self.isValidNumber(field.number) else {
                    throw ProtobufCError(
                        code: .malformed,
                        message: "unknown fields must be whole wire-format fields",
                        messageType: ""
                    )
                }
            }
        }
        self.storage = bytes
    }

    /// Whether there are none.
    @inlinable
    public var isEmpty: Bool { storage.isEmpty }

    /// The largest field number protobuf allows, 2^29 − 1.
    static let maxFieldNumber: UInt64 = (1 << 29) - 1

    static func isValidNumber(_ number: UInt64) -> Bool {
        number >= 1 && number <= maxFieldNumber
    }
}

// MARK: To and from protobuf-c's records

extension ProtobufUnknownFields {
    /// The unknown fields protobuf-c recorded in an unpacked message.
    ///
    /// - Throws: ``ProtobufCError`` (``ProtobufCError/Code/malformed``) for a field number above
    ///   2^29 − 1, which protobuf-c accepts and protobuf forbids.
    @usableFromInline
    static func read(from message: UnsafeRawPointer) throws -> ProtobufUnknownFields {
        let base = message.assumingMemoryBound(to: ProtobufCMessage.self).pointee
        guard base.n_unknown_fields > 0, let records = base.unknown_fields else { return ProtobufUnknownFields() }
        var fields = ProtobufUnknownFields()
        for record in UnsafeBufferPointer(start: records, count: Int(base.n_unknown_fields)) {
            guard isValidNumber(UInt64(record.tag)) else {
                throw ProtobufCError(
                    code: .malformed,
                    message: "field number \(record.tag) is above protobuf's maximum of \(maxFieldNumber)",
                    messageType: ""
                )
            }
            WireReader.appendVarint(UInt64(record.tag) << 3 | UInt64(record.wire_type.rawValue), to: &fields.storage)
            if record.len > 0, let data = record.data {
                fields.storage.append(contentsOf: UnsafeBufferPointer(start: data, count: record.len))
            }
        }
        return fields
    }

    /// Adds these fields to `message`'s protobuf-c unknown-field records, allocated in `arena`.
    @usableFromInline
    func attach(to message: UnsafeMutableRawPointer, arena: EncodingArena) {
        var records: [ProtobufCMessageUnknownField] = []
        bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            while !reader.isAtEnd, let field = reader.nextField() {
                let valueStart = Self.valueStart(of: field, in: raw)
                let value = UnsafeRawBufferPointer(rebasing: raw[valueStart..<field.end])
                records.append(
                    Self.record(number: UInt32(field.number), wireType: field.wireType, value: value, arena: arena)
                )
            }
        }
        Self.append(records, to: message, arena: arena)
    }

    /// Where protobuf-c's record data starts: right after the tag (a length prefix is part of it).
    private static func valueStart(of field: WireReader.Field, in raw: UnsafeRawBufferPointer) -> Int {
        var reader = WireReader(UnsafeRawBufferPointer(rebasing: raw[field.start..<field.end]))
        _ = reader.readVarint()
        return field.start + reader.offset
    }

    static func record(
        number: UInt32,
        wireType: UInt64,
        value: UnsafeRawBufferPointer,
        arena: EncodingArena
    ) -> ProtobufCMessageUnknownField {
        let data = arena.allocate(byteCount: value.count)
        if let base = value.baseAddress, !value.isEmpty { data.copyMemory(from: base, byteCount: value.count) }
        return ProtobufCMessageUnknownField(
            tag: number,
            wire_type: ProtobufCWireType(rawValue: UInt32(wireType)),
            len: value.count,
            data: data.assumingMemoryBound(to: UInt8.self)
        )
    }

    /// Appends records to those `message` already has (copying them into a new array in `arena`).
    static func append(
        _ records: [ProtobufCMessageUnknownField],
        to message: UnsafeMutableRawPointer,
        arena: EncodingArena
    ) {
        guard !records.isEmpty else { return }
        let base = message.assumingMemoryBound(to: ProtobufCMessage.self)
        let existing = Int(base.pointee.n_unknown_fields)
        let count = existing + records.count
        let array = arena.allocate(byteCount: MemoryLayout<ProtobufCMessageUnknownField>.stride * count)
            .bindMemory(to: ProtobufCMessageUnknownField.self, capacity: count)
        if existing > 0, let old = base.pointee.unknown_fields {
            array.initialize(from: old, count: existing)
        }
        (array + existing).initialize(from: records, count: records.count)
        base.pointee.n_unknown_fields = UInt32(count)
        base.pointee.unknown_fields = array
    }
}
