/// Reads protobuf's wire format one field at a time: tags, varints and length prefixes only.
struct WireReader {
    /// One field as it sits in the bytes.
    struct Field {
        let number: UInt64
        let wireType: UInt64
        /// Where the tag starts.
        let start: Int
        /// Where the value starts (for wire type 2: after the length prefix).
        let valueStart: Int
        let end: Int
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    /// The next field, or nil when the bytes are not valid wire format here (the reader then
    /// stops: `isAtEnd` is true).
    mutating func nextField() -> Field? {
        let start = offset
        guard let tag = readVarint() else { return stop() }
        let wireType = tag & 7
        var valueStart = offset
        switch wireType {
        case 0:
            guard readVarint() != nil else { return stop() }
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard size <= bytes.count - offset else { return stop() }
            offset += size
        case 2:
            guard let length = readVarint(), length <= UInt64(bytes.count - offset) else { return stop() }
            valueStart = offset
            offset += Int(length)
        default:
            return stop()
        }
        return Field(number: tag >> 3, wireType: wireType, start: start, valueStart: valueStart, end: offset)
    }

    /// A length-delimited field's contents.
    func payload(of field: Field) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.end])
    }

    /// A field's bytes, tag included.
    func whole(_ field: Field) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
    }

    private mutating func stop() -> Field? {
        offset = bytes.count
        return nil
    }

    mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    static func appendVarint(_ value: UInt64, to output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }
}
