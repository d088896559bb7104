internal import CProtobufC

/// What decoding checks and fixes in the bytes before protobuf-c sees them.
///
/// protobuf-c unpacks sub-messages recursively with no depth limit (a few kilobytes of nested
/// length prefixes overflow the stack), and when a singular message field occurs twice it keeps
/// only the second occurrence, where protobuf merges the two. This walks tags and length prefixes
/// (it decodes no values; protobuf-c does that), descending only into fields the descriptor says
/// are messages, and:
/// - refuses nesting deeper than the limit;
/// - when a singular message field (a oneof's message member or a map entry's message value
///   included) occurs more than once at one level, rewrites the bytes so that it occurs once,
///   holding the occurrences' contents one after another, which is exactly protobuf's merge.
///
/// Anything it cannot follow is left for protobuf-c to reject.
@usableFromInline
enum WireStructure {
    /// The checked bytes, or nil when the input can be unpacked as it is.
    ///
    /// - Throws: ``ProtobufCError`` with code ``ProtobufCError/Code/nestingTooDeep``.
    @usableFromInline
    static func prepare(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: MessageDescriptor,
        maxDepth: Int
    ) throws -> [UInt8]? {
        var findings = Findings()
        scan(bytes, descriptor.pointer, depth: 1, maxDepth: maxDepth, &findings)
        if findings.tooDeep {
            throw ProtobufCError(
                code: .nestingTooDeep,
                message: "messages are nested deeper than \(maxDepth) levels",
                messageType: descriptor.fullName
            )
        }
        guard findings.repeatsSingularMessage, !findings.malformed else { return nil }
        var merged: [UInt8] = []
        merged.reserveCapacity(bytes.count)
        rewrite(bytes, descriptor.pointer, into: &merged)
        return merged
    }

    struct Findings {
        var tooDeep = false
        var malformed = false
        /// Some level holds singular message fields out of increasing order (a repeat, or a
        /// harmless reordering that the rewrite leaves equivalent).
        var repeatsSingularMessage = false
    }

    // MARK: The walk

    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int,
        maxDepth: Int,
        _ findings: inout Findings
    ) {
        guard depth <= maxDepth else {
            findings.tooDeep = true
            return
        }
        var reader = WireReader(bytes)
        var lastSingularMessage: UInt64 = 0
        while !reader.isAtEnd {
            guard let field = reader.nextField() else {
                findings.malformed = true
                return
            }
            guard field.wireType == 2, let member = messageField(descriptor, number: field.number) else { continue }
            if member.isSingular {
                if field.number <= lastSingularMessage { findings.repeatsSingularMessage = true }
                lastSingularMessage = field.number
            }
            guard hasMessageFields(member.child) else {
                if depth + 1 > maxDepth { findings.tooDeep = true }
                continue
            }
            scan(reader.payload(of: field), member.child, depth: depth + 1, maxDepth: maxDepth, &findings)
            if findings.tooDeep { return }
        }
    }

    /// Appends `bytes` to `output` with each singular message field merged into one occurrence,
    /// at the place of its last occurrence (so a oneof keeps its last member, as protobuf says).
    private static func rewrite(
        _ bytes: UnsafeRawBufferPointer,
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        into output: inout [UInt8]
    ) {
        var fields: [WireReader.Field] = []
        var reader = WireReader(bytes)
        while !reader.isAtEnd, let field = reader.nextField() { fields.append(field) }

        // For each singular message field: the occurrences that merge, and where they go.
        var parts: [UInt64: [Int]] = [:]
        for (position, field) in fields.enumerated() {
            guard let member = anyField(descriptor, number: field.number) else { continue }
            if member.isOneofMember {
                for other in oneofSiblings(descriptor, of: member) where other != field.number {
                    parts[other] = nil
                }
            }
            if field.wireType == 2, let message = messageField(descriptor, number: field.number), message.isSingular {
                parts[field.number, default: []].append(position)
            }
        }

        for (position, field) in fields.enumerated() {
            let message = field.wireType == 2 ? messageField(descriptor, number: field.number) : nil
            guard let message else {
                output.append(contentsOf: reader.whole(field))
                continue
            }
            var payload: [UInt8] = []
            if message.isSingular {
                guard let positions = parts[field.number], positions.last == position else { continue }
                for part in positions { payload.append(contentsOf: reader.payload(of: fields[part])) }
            } else {
                payload.append(contentsOf: reader.payload(of: field))
            }
            var child: [UInt8] = []
            payload.withUnsafeBytes { rewrite($0, message.child, into: &child) }
            WireReader.appendVarint(field.number << 3 | 2, to: &output)
            WireReader.appendVarint(UInt64(child.count), to: &output)
            output.append(contentsOf: child)
        }
    }

    // MARK: Descriptors

    struct MessageField {
        let child: UnsafePointer<ProtobufCMessageDescriptor>
        let isSingular: Bool
    }

    struct AnyField {
        let field: UnsafePointer<ProtobufCFieldDescriptor>
        var isOneofMember: Bool { field.pointee.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 }
    }

    private static func anyField(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, number: UInt64) -> AnyField? {
        guard number <= UInt64(UInt32.max),
            let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(number))
        else { return nil }
        return AnyField(field: field)
    }

    /// The field numbered `number` when the descriptor says it holds messages.
    private static func messageField(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        number: UInt64
    ) -> MessageField? {
        guard let field = anyField(descriptor, number: number)?.field,
            field.pointee.type == PROTOBUF_C_TYPE_MESSAGE,
            let child = field.pointee.descriptor
        else { return nil }
        return MessageField(
            child: child.assumingMemoryBound(to: ProtobufCMessageDescriptor.self),
            isSingular: field.pointee.label != PROTOBUF_C_LABEL_REPEATED
        )
    }

    /// The numbers of the fields in the same oneof as `member` (protoc-c gives them one case member).
    private static func oneofSiblings(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        of member: AnyField
    ) -> [UInt64] {
        let caseOffset = member.field.pointee.quantifier_offset
        let fields = UnsafeBufferPointer(start: descriptor.pointee.fields, count: Int(descriptor.pointee.n_fields))
        return fields.filter {
            $0.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 && $0.quantifier_offset == caseOffset
        }.map { UInt64($0.id) }
    }

    /// Whether any field of the type holds messages (otherwise its bytes need no walk).
    private static func hasMessageFields(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> Bool {
        guard let fields = descriptor.pointee.fields else { return false }
        for index in 0..<Int(descriptor.pointee.n_fields) where fields[index].type == PROTOBUF_C_TYPE_MESSAGE {
            return true
        }
        return false
    }
}
