/// One field of a message, resolved to its Swift and C shapes.
struct FieldModel {
    /// What a single value of the field is.
    enum ValueKind {
        case scalar(swiftType: String)
        case bool
        case string
        case bytes
        case enumeration(SchemaIndex.TypeInfo)
        case message(SchemaIndex.TypeInfo)

        var swiftType: String {
            switch self {
            case .scalar(let swiftType): swiftType
            case .bool: "Bool"
            case .string: "String"
            case .bytes: "[UInt8]"
            case .enumeration(let info), .message(let info): info.swiftName
            }
        }

        var defaultValue: String {
            switch self {
            case .scalar: "0"
            case .bool: "false"
            case .string: "\"\""
            case .bytes: "[]"
            case .enumeration(let info): info.enumDefaultCase.map { "." + $0 } ?? info.swiftName + "()"
            case .message(let info): info.swiftName + "()"
            }
        }

        /// Whether it is `float` or `double`, whose `-0.0` protobuf-c would not encode.
        var isFloatingPoint: Bool {
            if case .scalar(let swiftType) = self { return swiftType == "Double" || swiftType == "Float" }
            return false
        }

        var isMessage: Bool {
            if case .message = self { return true }
            return false
        }
    }

    /// How many values the field holds.
    enum Shape {
        case singular
        case repeated
        case map(entry: SchemaIndex.TypeInfo, key: ValueKind, value: ValueKind)
        case oneofMember(index: Int)
    }

    let protoName: String
    let number: Int32
    let swiftName: String
    /// protoc-c's struct member.
    let cName: String
    let kind: ValueKind
    let shape: Shape
    /// Whether a singular message field is stored in a `ProtobufBox`, or a oneof member is an
    /// `indirect` case: its type can lead back to the message that holds it.
    var isBoxed = false

    /// The struct member as Swift code spells it after a dot.
    var cMember: String { CNaming.swiftMemberReference(cName) }

    /// The Swift type of the property.
    var swiftType: String {
        switch shape {
        case .singular: kind.isMessage ? kind.swiftType + "?" : kind.swiftType
        case .repeated: "[\(kind.swiftType)]"
        case .map(_, let key, let value): "ProtobufMap<\(key.swiftType), \(value.swiftType)>"
        case .oneofMember: kind.swiftType
        }
    }

    /// The property's default value.
    var swiftDefault: String {
        switch shape {
        case .singular: kind.isMessage ? "nil" : kind.defaultValue
        case .repeated: "[]"
        case .map: "[:]"
        case .oneofMember: kind.defaultValue
        }
    }

    static func valueKind(
        type: Int32,
        typeName: String,
        in index: SchemaIndex,
        context: () -> String
    ) throws -> ValueKind {
        switch type {
        case 1: return .scalar(swiftType: "Double")
        case 2: return .scalar(swiftType: "Float")
        case 3, 16, 18: return .scalar(swiftType: "Int64")
        case 4, 6: return .scalar(swiftType: "UInt64")
        case 5, 15, 17: return .scalar(swiftType: "Int32")
        case 7, 13: return .scalar(swiftType: "UInt32")
        case 8: return .bool
        case 9: return .string
        case 12: return .bytes
        case 11: return .message(try index.type(named: typeName))
        case 14: return .enumeration(try index.type(named: typeName))
        case 10: throw GeneratorError("\(context()): groups are not supported; use a nested message")
        default: throw GeneratorError("\(context()): unknown field type \(type)")
        }
    }
}
