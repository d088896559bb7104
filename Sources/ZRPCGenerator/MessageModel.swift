/// A message resolved for code generation: its fields, oneofs and nested types.
struct MessageModel {
    /// A oneof and the fields that belong to it.
    struct Oneof {
        let protoName: String
        let swiftName: String
        let enumName: String
        let cCaseName: String
        var members: [FieldModel]
    }

    let info: SchemaIndex.TypeInfo
    /// Fields outside any oneof, in declaration order.
    var fields: [FieldModel] = []
    var oneofs: [Oneof] = []
    /// Whether decoding walks the bytes first (``RecursionAnalysis/needsStructureScan(_:)``).
    var needsStructureScan = false

    /// Every field's C member name, for collision checks.
    var allFields: [FieldModel] { fields + oneofs.flatMap(\.members) }

    init(info: SchemaIndex.TypeInfo, index: SchemaIndex, file: String) throws {
        self.info = info
        guard let message = info.message else { throw GeneratorError("\(info.fullName) is not a message") }
        let nestedTypeNames = Set(message.nestedType.map(\.name) + message.enumType.map(\.name))
        oneofs = message.oneofDecl.map { oneof in
            var enumName = SwiftNaming.upperCamel(oneof.name)
            if nestedTypeNames.contains(enumName) { enumName += "OneOf" }
            return Oneof(
                protoName: oneof.name,
                swiftName: SwiftNaming.memberName(oneof.name),
                enumName: enumName,
                cCaseName: CNaming.fieldName(oneof.name) + "_case",
                members: []
            )
        }
        for field in message.field {
            let location = "\(file): field \(info.fullName).\(field.name)"
            if field.proto3Optional {
                throw GeneratorError(
                    "\(location): proto3 `optional` is not supported by protoc-c 1.4; use a wrapper message or a oneof"
                )
            }
            let kind = try FieldModel.valueKind(type: field.type, typeName: field.typeName, in: index) { location }
            var shape: FieldModel.Shape = field.label == 3 ? .repeated : .singular
            if case .message(let entry) = kind, field.label == 3, entry.isMapEntry, let entryMessage = entry.message {
                let key = entryMessage.field.first { $0.number == 1 }
                let value = entryMessage.field.first { $0.number == 2 }
                guard let key, let value else { throw GeneratorError("\(location): malformed map entry") }
                shape = .map(
                    entry: entry,
                    key: try FieldModel.valueKind(type: key.type, typeName: key.typeName, in: index) { location },
                    value: try FieldModel.valueKind(type: value.type, typeName: value.typeName, in: index) { location }
                )
            }
            if case .oneofIndex(let oneofIndex)? = field.oneofIndexPresence {
                guard oneofs.indices.contains(Int(oneofIndex)) else {
                    throw GeneratorError("\(location): oneof index \(oneofIndex) out of range")
                }
                shape = .oneofMember(index: Int(oneofIndex))
            }
            let model = FieldModel(
                protoName: field.name,
                number: field.number,
                swiftName: SwiftNaming.memberName(field.name),
                cName: CNaming.fieldName(field.name),
                kind: kind,
                shape: shape
            )
            if case .oneofMember(let oneofIndex) = shape {
                oneofs[oneofIndex].members.append(model)
            } else {
                fields.append(model)
            }
        }
        oneofs.removeAll { $0.members.isEmpty }
        try checkCNameCollisions(file: file)
    }

    /// protoc-c adds `n_<name>` counts and `<oneof>_case` members; a field with such a name
    /// makes C code that does not compile, so say so here instead.
    private func checkCNameCollisions(file: String) throws {
        var seen: [String: String] = [:]
        func claim(_ cName: String, by owner: String) throws {
            if let other = seen[cName] {
                throw GeneratorError(
                    "\(file): in \(info.fullName), \(owner) and \(other) both become the C member `\(cName)` in protoc-c's struct; rename one of them"
                )
            }
            seen[cName] = owner
        }
        for field in allFields {
            if field.swiftName == "unknownFields" {
                throw GeneratorError(
                    "\(file): in \(info.fullName), field `\(field.protoName)` would hide the `unknownFields` every generated message has; rename it"
                )
            }
            try claim(field.cName, by: "field `\(field.protoName)`")
            switch field.shape {
            case .repeated, .map: try claim("n_" + field.cName, by: "the count of repeated field `\(field.protoName)`")
            default: break
            }
        }
        for oneof in oneofs {
            try claim(oneof.cCaseName, by: "the case of oneof `\(oneof.protoName)`")
        }
    }
}
