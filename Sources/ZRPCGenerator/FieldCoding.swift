/// The statements that move one field between a Swift struct and protoc-c's C struct.
enum FieldCoding {
    // MARK: Swift → C

    /// An expression converting the Swift value `value` to its C representation.
    static func toC(_ kind: FieldModel.ValueKind, _ value: String) -> String {
        switch kind {
        case .scalar: value
        case .bool: "\(value) ? 1 : 0"
        case .enumeration: ".init(rawValue: .init(truncatingIfNeeded: \(value).rawValue))"
        case .string: "try arena.cString(\(value))"
        case .bytes: "arena.binaryData(\(value))"
        case .message: "try arena.message(\(value))"
        }
    }

    static func encode(_ field: FieldModel, into writer: inout CodeWriter) throws {
        let c = "cMessage.pointee.\(field.cMember)"
        let swift = "self.\(field.swiftName)"
        switch field.shape {
        case .singular:
            switch field.kind {
            case .message:
                writer.block("if let value = \(swift) {") { $0.line("\(c) = try arena.message(value)") }
            case .string, .bytes:
                writer.block("if !\(swift).isEmpty {") { $0.line("\(c) = \(toC(field.kind, swift))") }
            default:
                writer.line("\(c) = \(toC(field.kind, swift))")
                if field.kind.isFloatingPoint {
                    writer.line("arena.preserveNegativeZero(\(swift), fieldNumber: \(field.number), in: cMessage)")
                }
            }
        case .repeated:
            writer.block("if !\(swift).isEmpty {") { writer in
                writer.line("cMessage.pointee.n_\(field.cName) = \(swift).count")
                if case .scalar = field.kind {
                    writer.line("\(c) = arena.array(\(swift))")
                } else {
                    let transform = toC(field.kind, "$0")
                    let tryPrefix = transform.hasPrefix("try ") ? "try " : ""
                    writer.line("\(c) = \(tryPrefix)arena.array(\(swift)) { \(transform) }")
                }
            }
        case .map(let entry, let key, let value):
            writer.block("if !\(swift).isEmpty {") { writer in
                writer.line("cMessage.pointee.n_\(field.cName) = \(swift).count")
                let (keyExpression, valueExpression) = (toC(key, "entry.key"), toC(value, "entry.value"))
                let tryPrefix = (keyExpression + valueExpression).contains("try ") ? "try " : ""
                writer.block("\(c) = \(tryPrefix)arena.array(\(swift).sortedEntries) { entry in") { writer in
                    writer.line("let cEntry = arena.makeCMessage(\(entry.cFunctionPrefix)__init)")
                    writer.line("cEntry.pointee.key = \(keyExpression)")
                    writer.line("cEntry.pointee.value = \(valueExpression)")
                    if value.isFloatingPoint {
                        writer.line("arena.preserveNegativeZero(entry.value, fieldNumber: 2, in: cEntry)")
                    }
                    writer.line("return cEntry")
                }
            }
        case .oneofMember:
            throw GeneratorError("internal: oneof member \(field.protoName) encoded as a plain field")
        }
    }

    static func encode(_ oneof: MessageModel.Oneof, into writer: inout CodeWriter) {
        writer.line("switch self.\(oneof.swiftName) {")
        for member in oneof.members {
            writer.line("case .\(member.swiftName)(let value)?:")
            writer.indented { writer in
                writer.line("cMessage.pointee.\(oneof.cCaseName) = .init(rawValue: \(member.number))")
                writer.line("cMessage.pointee.\(member.cMember) = \(toC(member.kind, "value"))")
            }
        }
        writer.line("case nil:")
        writer.indented { $0.line("break") }
        writer.line("}")
    }

    // MARK: C → Swift

    /// An expression converting the C value `value` to Swift (a message that is absent becomes
    /// its default, as protobuf reads an absent map value or oneof member).
    static func fromC(_ kind: FieldModel.ValueKind, _ value: String) -> String {
        switch kind {
        case .scalar: value
        case .bool: "\(value) != 0"
        case .enumeration(let info): "\(info.swiftName)(rawValue: Int32(truncatingIfNeeded: \(value).rawValue))"
        case .string: "try context.string(\(value))"
        case .bytes: "context.bytes(\(value))"
        case .message(let info): "try context.message(\(value)) ?? \(info.swiftName)()"
        }
    }

    static func decode(_ field: FieldModel, into writer: inout CodeWriter) throws {
        let c = "cMessage.pointee.\(field.cMember)"
        let swift = "self.\(field.swiftName)"
        switch field.shape {
        case .singular:
            if case .message = field.kind {
                writer.line("\(swift) = try context.message(\(c))")
            } else {
                writer.line("\(swift) = \(fromC(field.kind, c))")
            }
        case .repeated:
            let count = "count: cMessage.pointee.n_\(field.cName)"
            if case .scalar = field.kind {
                writer.line("\(swift) = context.array(\(c), \(count))")
            } else {
                let transform = fromC(field.kind, "$0")
                let tryPrefix = transform.contains("try ") ? "try " : ""
                writer.line("\(swift) = \(tryPrefix)context.array(\(c), \(count)) { \(transform) }")
            }
        case .map(_, let key, let value):
            let keyExpression = fromC(key, "entry.pointee.key")
            let valueExpression = fromC(value, "entry.pointee.value")
            let tryPrefix = (keyExpression + valueExpression).contains("try ") ? "try " : ""
            writer.line("\(swift) = \(tryPrefix)context.map(\(c), count: cMessage.pointee.n_\(field.cName)) { entry in")
            writer.indented { $0.line("(\(keyExpression), \(valueExpression))") }
            writer.line("}")
        case .oneofMember:
            throw GeneratorError("internal: oneof member \(field.protoName) decoded as a plain field")
        }
    }

    static func decode(_ oneof: MessageModel.Oneof, into writer: inout CodeWriter) {
        writer.line("switch cMessage.pointee.\(oneof.cCaseName).rawValue {")
        for member in oneof.members {
            writer.line("case \(member.number):")
            writer.indented {
                $0.line(
                    "self.\(oneof.swiftName) = .\(member.swiftName)(\(fromC(member.kind, "cMessage.pointee.\(member.cMember)")))"
                )
            }
        }
        writer.line("default:")
        writer.indented { $0.line("self.\(oneof.swiftName) = nil") }
        writer.line("}")
    }
}
