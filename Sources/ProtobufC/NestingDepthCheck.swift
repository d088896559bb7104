internal import CProtobufC

/// Bounds how deeply a message nests before protobuf-c recurses into it.
///
/// protobuf-c unpacks sub-messages recursively with no depth limit, so a few kilobytes of
/// nested length prefixes can overflow the stack. For message types that can contain
/// themselves, this walks the tags and length prefixes (it decodes no values; protobuf-c does
/// that) and follows only fields the descriptor says are messages. Anything it cannot follow is
/// left for protobuf-c to reject.
enum NestingDepthCheck {
    static func check(_ bytes: UnsafeRawBufferPointer, descriptor: MessageDescriptor, maxDepth: Int) throws {
        guard !scan(bytes, descriptor.pointer, depth: 1, maxDepth: maxDepth) else { return }
        throw ProtobufCError(
            code: .nestingTooDeep,
            message: "messages are nested deeper than \(maxDepth) levels",
            messageType: descriptor.fullName
        )
    }

    /// Returns false when nesting exceeds `maxDepth`; true otherwise (including malformed input).
    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int,
        maxDepth: Int
    ) -> Bool {
        guard depth <= maxDepth else { return false }
        var offset = 0
        while offset < bytes.count {
            guard let tag = readVarint(bytes, &offset) else { return true }
            let wireType = tag & 7
            switch wireType {
            case 0:
                guard readVarint(bytes, &offset) != nil else { return true }
            case 1:
                offset += 8
            case 5:
                offset += 4
            case 2:
                guard let length = readVarint(bytes, &offset), length <= UInt64(bytes.count - offset) else {
                    return true
                }
                let end = offset + Int(length)
                let number = tag >> 3
                if number <= UInt64(UInt32.max),
                    let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(number)),
                    field.pointee.type == PROTOBUF_C_TYPE_MESSAGE,
                    let child = field.pointee.descriptor
                {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
                    let childDescriptor = child.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    guard scan(slice, childDescriptor, depth: depth + 1, maxDepth: maxDepth) else { return false }
                }
                offset = end
            default:
                return true
            }
        }
        return true
    }

    private static func readVarint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
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
}
