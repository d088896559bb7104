/// Writes the Swift descriptor of one `.proto` service: its methods with their input and
/// output types (request/reply stubs build on these).
struct ServiceEmitter {
    let service: Zrpc_Descriptor_ServiceDescriptorProto
    let file: SchemaIndex.File
    let index: SchemaIndex
    let access: String

    func emit(into writer: inout CodeWriter) throws {
        let swiftPrefix: String?
        if case .swiftPrefix(let prefix)? = file.options?.swiftPrefixPresence { swiftPrefix = prefix } else { swiftPrefix = nil }
        let prefix = SwiftNaming.typePrefix(package: file.package, swiftPrefix: swiftPrefix)
        let fullName = file.package.isEmpty ? service.name : file.package + "." + service.name
        for method in service.method where method.clientStreaming || method.serverStreaming {
            throw GeneratorError("\(file.name): \(fullName).\(method.name) streams; ZRPC supports unary methods only")
        }
        let methods = try service.method.map { method in
            (method, try index.type(named: method.inputType), try index.type(named: method.outputType))
        }
        writer.doc("The `\(fullName)` service from `\(file.name)`.")
        try writer.block("\(access)enum \(prefix.isEmpty ? SwiftNaming.typeName(service.name) : prefix + service.name) {") { writer in
            writer.doc("The service and its methods.")
            writer.line("\(access)static let descriptor = ServiceDescriptor(")
            writer.indented { writer in
                writer.line("fullName: \"\(fullName)\",")
                writer.line("methods: [\(methods.map { "Method.\(typeName($0.0)).descriptor" }.joined(separator: ", "))]")
            }
            writer.line(")")
            writer.line()
            writer.doc("One namespace per method, with its descriptor and message types.")
            try writer.block("\(access)enum Method {") { writer in
                for (offset, (method, input, output)) in methods.enumerated() {
                    if offset > 0 { writer.line() }
                    writer.doc("`rpc \(method.name)(\(input.fullName)) returns (\(output.fullName))`.")
                    writer.block("\(access)enum \(typeName(method)) {") { writer in
                        writer.doc("The request message.")
                        writer.line("\(access)typealias Input = \(input.swiftName)")
                        writer.doc("The response message.")
                        writer.line("\(access)typealias Output = \(output.swiftName)")
                        writer.doc("The method's wire name and idempotency.")
                        writer.line("\(access)static let descriptor = MethodDescriptor(")
                        writer.indented { writer in
                            writer.line("service: \"\(fullName)\",")
                            writer.line("method: \"\(method.name)\",")
                            writer.line("idempotency: \(idempotency(method))")
                        }
                        writer.line(")")
                    }
                }
            }
        }
    }

    private func typeName(_ method: Zrpc_Descriptor_MethodDescriptorProto) -> String {
        SwiftNaming.typeName(SwiftNaming.upperCamel(method.name))
    }

    private func idempotency(_ method: Zrpc_Descriptor_MethodDescriptorProto) -> String {
        switch method.options?.idempotencyLevel ?? 0 {
        case 0: ".unknown"
        case 1: ".noSideEffects"
        case 2: ".idempotent"
        case let level: ".init(level: \(level))"
        }
    }
}
