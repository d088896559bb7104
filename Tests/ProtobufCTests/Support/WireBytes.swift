/// Builds protobuf wire bytes by hand, for inputs the Swift types cannot (or should not) make.
enum WireBytes {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    /// A length-delimited field.
    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    /// A varint field.
    static func field(_ number: UInt64, varint value: UInt64) -> [UInt8] {
        varint(number << 3) + varint(value)
    }

    /// `levels` length-delimited fields numbered `number`, each inside the one before, around
    /// `leaf`: built back to front, so 100,000 levels cost no recursion and linear time.
    static func nested(_ number: UInt64, levels: Int, leaf: [UInt8] = []) -> [UInt8] {
        let tag = varint(number << 3 | 2)
        var reversed = Array(leaf.reversed())
        for _ in 0..<levels {
            reversed.append(contentsOf: varint(UInt64(reversed.count)).reversed())
            reversed.append(contentsOf: tag.reversed())
        }
        return reversed.reversed()
    }
}
