/// Writes the Swift descriptor of one `.proto` service: its methods with their input and
/// output types (request/reply stubs build on these).
struct ServiceEmitter {
    let service: Zrpc_Descriptor_ServiceDescriptorProto
    let file: SchemaIndex.File
    let index: SchemaIndex
    let access: String

    /// The Swift namespace enum: `Echo_Echo` for `echo.Echo`.
    private var namespace: String {
        let prefix = file.swiftTypePrefix
        return prefix.isEmpty ? SwiftNaming.typeName(service.name) : prefix + service.name
    }

    /// The service's full proto name: `echo.Echo`.
    private var fullName: String {
        file.package.isEmpty ? service.name : file.package + "." + service.name
    }

    func emit(into writer: inout CodeWriter) throws {
        try service.refuseTopicOptions(file: file)
        if let method = service.method.first(where: { $0.options?.zrpcTaskPolicy != nil }) {
            throw GeneratorError(
                "\(file.name): \(fullName).\(method.name): (zrpc.task_policy) is for the methods of a queue service; "
                    + "give \(fullName) the option (zrpc.queue), or remove it"
            )
        }
        let methods = try service.method.map { method in
            (method, try index.type(named: method.inputType), try index.type(named: method.outputType))
        }
        let policies = try service.method.map { method in
            do {
                return try CallPolicyEmitter(service: service.options?.zrpcPolicy, method: method.options?.zrpcPolicy)
                    .swift()
            } catch let error as GeneratorError {
                throw GeneratorError("\(file.name): \(fullName).\(method.name): \(error.message)")
            }
        }
        writer.doc("The `\(fullName)` service from `\(file.name)`.")
        writer.block("\(access)enum \(namespace) {") { writer in
            writer.doc("The service and its methods.")
            writer.line("\(access)static let descriptor = ServiceDescriptor(")
            writer.indented { writer in
                writer.line("fullName: \"\(fullName)\",")
                writer.line(
                    "methods: [\(methods.map { "Method.\(typeName($0.0)).descriptor" }.joined(separator: ", "))]"
                )
            }
            writer.line(")")
            writer.line()
            writer.doc("One namespace per method, with its descriptor and message types.")
            writer.block("\(access)enum Method {") { writer in
                for (offset, (method, input, output)) in methods.enumerated() {
                    if offset > 0 { writer.line() }
                    let stubs = stubs(method, input, output)
                    writer.doc(
                        "`\(stubs.protoSignature(method: method.name, input: input.fullName, output: output.fullName))`."
                    )
                    writer.block("\(access)enum \(typeName(method)) {") { writer in
                        writer.doc("The request message.")
                        writer.line("\(access)typealias Input = \(input.swiftName)")
                        writer.doc("The response message.")
                        writer.line("\(access)typealias Output = \(output.swiftName)")
                        writer.doc("The method's wire name, idempotency and kind.")
                        writer.line("\(access)static let descriptor = MethodDescriptor(")
                        writer.indented { writer in
                            writer.line("service: \"\(fullName)\",")
                            writer.line("method: \"\(method.name)\",")
                            let trailing = [
                                stubs.kind.map { "kind: \($0)" }, policies[offset].map { "defaults: \($0)" },
                            ]
                            .compactMap { $0 }
                            writer.line("idempotency: \(idempotency(method))" + (trailing.isEmpty ? "" : ","))
                            for (position, argument) in trailing.enumerated() {
                                writer.line(argument + (position == trailing.count - 1 ? "" : ","))
                            }
                        }
                        writer.line(")")
                    }
                }
            }
        }
    }

    /// The server protocol to implement and the client stub, in an extension of the namespace.
    func emitStubs(into writer: inout CodeWriter) throws {
        let methods = try service.method.map { method in
            (method, try index.type(named: method.inputType), try index.type(named: method.outputType))
        }
        writer.line()
        writer.block("extension \(namespace) {") { writer in
            writer.doc(
                "Implement this to serve `\(fullName)`; pass the implementation to a `Server`.",
                "",
                "Throw `RPCError` to choose the status the client sees; anything else reaches it as UNKNOWN."
            )
            writer.block("\(access)protocol ServiceProtocol: RPCService {") { writer in
                for (offset, (method, input, output)) in methods.enumerated() {
                    if offset > 0 { writer.line() }
                    let stubs = stubs(method, input, output)
                    writer.doc(
                        "`\(stubs.protoSignature(method: method.name, input: input.fullName, output: output.fullName))`."
                    )
                    writer.line(stubs.serverRequirement)
                }
            }
            writer.line()
            writer.doc(
                "Calling `\(fullName)`: ``Client`` conforms; code that calls the service can take",
                "`some \(namespace).ClientProtocol`, and its tests a mock."
            )
            writer.block("\(access)protocol ClientProtocol: Sendable {") { writer in
                for (offset, (method, input, output)) in methods.enumerated() {
                    if offset > 0 { writer.line() }
                    writer.doc("Calls `\(fullName)/\(method.name)`.")
                    writer.line(
                        "nonisolated(nonsending) func \(methodName(method))\(stubs(method, input, output).clientSignature())"
                    )
                }
            }
            writer.line()
            writer.doc(
                "Calls `\(fullName)` through a ZRPC client.",
                "",
                "```swift",
                "let stub = \(namespace).Client(wrapping: client)",
                "```"
            )
            writer.block("\(access)struct Client: ClientProtocol {") { writer in
                writer.doc("The connection calls go through.")
                writer.line("\(access)let client: ZRPC.Client")
                writer.line()
                writer.doc("Wraps a connection to `\(fullName)`'s servers.")
                writer.block("\(access)init(wrapping client: ZRPC.Client) {") { $0.line("self.client = client") }
                for (method, input, output) in methods {
                    let stubs = stubs(method, input, output)
                    writer.line()
                    writer.doc(
                        "Calls `\(fullName)/\(method.name)`. Runs on the caller's executor until it waits for the response.",
                        "",
                        "- Throws: `RPCError` with the call's status."
                    )
                    writer.block(
                        "nonisolated(nonsending) \(access)func \(methodName(method))\(stubs.clientSignature()) {"
                    ) { writer in
                        writer.line(stubs.clientCall)
                    }
                }
            }
        }
        writer.line()
        writer.block("extension \(namespace).ClientProtocol {") { writer in
            for (offset, (method, input, output)) in methods.enumerated() {
                if offset > 0 { writer.line() }
                let stubs = stubs(method, input, output)
                writer.doc("Calls `\(fullName)/\(method.name)` with the default options.")
                writer.block(
                    "nonisolated(nonsending) \(access)func \(methodName(method))\(stubs.clientSignature(defaultOptions: true)) {"
                ) { writer in
                    writer.line(stubs.defaultOptionsCall)
                }
            }
        }
        writer.line()
        writer.block("extension \(namespace).ServiceProtocol {") { writer in
            writer.doc("`\(fullName)`.")
            writer.block("\(access)var serviceDescriptor: ServiceDescriptor {") { $0.line("\(namespace).descriptor") }
            writer.line()
            writer.doc("Decodes requests, calls the methods above, encodes responses.")
            writer.block("\(access)var methodHandlers: [MethodHandler] {") { writer in
                writer.line("[")
                writer.indented { writer in
                    for (method, input, output) in methods {
                        let stubs = stubs(method, input, output)
                        writer.line("MethodHandler(")
                        writer.indented { writer in
                            writer.line("\(namespace).Method.\(typeName(method)).descriptor,")
                            writer.line("requestType: \(input.swiftName).self,")
                            if let streamingHandler = stubs.streamingHandlerArgument {
                                writer.line("responseType: \(output.swiftName).self,")
                                writer.line(streamingHandler)
                            } else {
                                writer.line("responseType: \(output.swiftName).self")
                            }
                        }
                        writer.line(stubs.streamingHandlerArgument == nil ? stubs.unaryHandlerClosure : "),")
                    }
                }
                writer.line("]")
            }
        }
    }

    private func stubs(
        _ method: Zrpc_Descriptor_MethodDescriptorProto,
        _ input: SchemaIndex.TypeInfo,
        _ output: SchemaIndex.TypeInfo
    ) -> MethodStubs {
        MethodStubs(
            name: methodName(method),
            typeName: typeName(method),
            input: input.swiftName,
            output: output.swiftName,
            clientStreams: method.clientStreaming,
            serverStreams: method.serverStreaming,
            access: access
        )
    }

    private func methodName(_ method: Zrpc_Descriptor_MethodDescriptorProto) -> String {
        SwiftNaming.memberName(method.name)
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
