/// Writes `==` and `hash(into:)` for generated messages and oneof enums.
///
/// Swift's synthesised versions compare strings by Unicode canonical equivalence and floating
/// point by IEEE rules (NaN never equal); protobuf compares bytes. Each field goes through
/// `ProtobufEquatable`, and a message's unknown fields count too.
enum Equality {
    static func emit(_ model: MessageModel, typeName: String, access: String, into writer: inout CodeWriter) {
        let members = model.fields.map(\.swiftName) + model.oneofs.map(\.swiftName)
        writer.doc("Equal when every field is, compared as protobuf does (strings by bytes, floating point by bits).")
        writer.block("\(access)static func == (lhs: \(typeName), rhs: \(typeName)) -> Bool {") { writer in
            for member in members {
                writer.line("guard lhs.\(member).protobufEquals(rhs.\(member)) else { return false }")
            }
            writer.line("return lhs.unknownFields == rhs.unknownFields")
        }
        writer.line()
        writer.doc("Hashes what `==` compares.")
        writer.block("\(access)func hash(into hasher: inout Hasher) {") { writer in
            for member in members {
                writer.line("\(member).protobufHash(into: &hasher)")
            }
            writer.line("hasher.combine(unknownFields)")
        }
    }

    static func emit(_ oneof: MessageModel.Oneof, access: String, into writer: inout CodeWriter) {
        writer.doc("Equal when the same member holds equal values.")
        writer.block("\(access)static func == (lhs: \(oneof.enumName), rhs: \(oneof.enumName)) -> Bool {") { writer in
            writer.line("switch (lhs, rhs) {")
            for member in oneof.members {
                writer.line(
                    "case (.\(member.swiftName)(let left), .\(member.swiftName)(let right)): left.protobufEquals(right)"
                )
            }
            if oneof.members.count > 1 { writer.line("default: false") }
            writer.line("}")
        }
        writer.line()
        writer.doc("Hashes the member's number and value.")
        writer.block("\(access)func hash(into hasher: inout Hasher) {") { writer in
            writer.line("switch self {")
            for member in oneof.members {
                writer.line("case .\(member.swiftName)(let value):")
                writer.indented { writer in
                    writer.line("hasher.combine(\(member.number))")
                    writer.line("value.protobufHash(into: &hasher)")
                }
            }
            writer.line("}")
        }
    }
}
