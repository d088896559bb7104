/// Writes the Swift of one queue service (a `.proto` service with the `(zrpc.queue)` option): per
/// method a work queue's descriptor, a producer with one `TaskProducer` per queue, and the worker
/// protocol whose implementation gives a `QueueWorker` its handlers.
struct QueueServiceEmitter {
    let service: Zrpc_Descriptor_ServiceDescriptorProto
    let file: SchemaIndex.File
    let index: SchemaIndex
    let access: String

    /// The Swift namespace enum: `Media_Thumbnails` for `media.Thumbnails`.
    private var namespace: String {
        let prefix = file.swiftTypePrefix
        return prefix.isEmpty ? SwiftNaming.typeName(service.name) : prefix + service.name
    }

    /// The service's full proto name: `media.Thumbnails`.
    private var fullName: String {
        file.package.isEmpty ? service.name : file.package + "." + service.name
    }

    /// One method as a queue.
    private struct Queue {
        let method: Zrpc_Descriptor_MethodDescriptorProto
        let input: SchemaIndex.TypeInfo
        let output: SchemaIndex.TypeInfo
        /// The arguments of its `TaskPolicy.Overrides`.
        let policy: [String]
        /// Its name at the broker, as `MethodDescriptor.fullName` spells an RPC method: `media.Thumbnails/Resize`.
        let name: String
        /// `resize`.
        let memberName: String
        /// `Resize`.
        let typeName: String
    }

    private func queues() throws -> [Queue] {
        try service.refuseTopicOptions(file: file)
        return try service.method.map { method in
            let location = "\(file.name): \(fullName).\(method.name)"
            if method.clientStreaming || method.serverStreaming {
                throw GeneratorError(
                    "\(location): a queue service's methods take one task and return one result, so they cannot "
                        + "stream; remove `stream`, or move the method to a service without (zrpc.queue)"
                )
            }
            let policy: [String]
            do {
                policy = try QueuePolicyEmitter(
                    service: service.options?.zrpcQueue,
                    method: method.options?.zrpcTaskPolicy
                )
                .arguments()
            } catch let error as GeneratorError {
                throw GeneratorError("\(location): \(error.message)")
            }
            return Queue(
                method: method,
                input: try index.type(named: method.inputType),
                output: try index.type(named: method.outputType),
                policy: policy,
                name: fullName + "/" + method.name,
                memberName: SwiftNaming.memberName(method.name),
                typeName: SwiftNaming.typeName(SwiftNaming.upperCamel(method.name))
            )
        }
    }

    func emit(into writer: inout CodeWriter) throws {
        let queues = try queues()
        writer.doc(
            "The `\(fullName)` queue service from `\(file.name)`: one work queue per method, named by the",
            "method's full name, whose tasks are its input and whose results are its output."
        )
        writer.block("\(access)enum \(namespace) {") { writer in
            writer.doc("The service's queues.")
            writer.line(
                "\(access)static let queues: [QueueDescriptor] = [\(queues.map { "Method.\($0.typeName).descriptor" }.joined(separator: ", "))]"
            )
            writer.line()
            writer.doc("One namespace per queue, with its descriptor and message types.")
            writer.block("\(access)enum Method {") { writer in
                for (offset, queue) in queues.enumerated() {
                    if offset > 0 { writer.line() }
                    writer.doc(
                        "`rpc \(queue.method.name)(\(queue.input.fullName)) returns (\(queue.output.fullName))`: the queue `\(queue.name)`."
                    )
                    writer.block("\(access)enum \(queue.typeName) {") { writer in
                        writer.doc("The task.")
                        writer.line("\(access)typealias Input = \(queue.input.swiftName)")
                        writer.doc("The task's result, kept by the broker with the acked task.")
                        writer.line("\(access)typealias Output = \(queue.output.swiftName)")
                        writer.doc(
                            "The queue's name at the broker and the delivery policy the `.proto` declares for it;",
                            "the broker's configuration for the queue and a producer's `EnqueueOptions.policy` override it."
                        )
                        writer.line("\(access)static let descriptor = QueueDescriptor(")
                        writer.indented { writer in
                            writer.line("name: \"\(queue.name)\",")
                            if queue.policy.isEmpty {
                                writer.line("declaredPolicy: TaskPolicy.Overrides()")
                            } else {
                                writer.line("declaredPolicy: TaskPolicy.Overrides(")
                                writer.indented { writer in
                                    for (position, argument) in queue.policy.enumerated() {
                                        writer.line(argument + (position == queue.policy.count - 1 ? "" : ","))
                                    }
                                }
                                writer.line(")")
                            }
                        }
                        writer.line(")")
                    }
                }
            }
        }
        emitProducer(queues, into: &writer)
        emitWorker(queues, into: &writer)
    }

    private func emitProducer(_ queues: [Queue], into writer: inout CodeWriter) {
        let example = queues.first
        writer.line()
        writer.block("extension \(namespace) {") { writer in
            writer.doc(
                "Enqueues tasks on `\(fullName)`'s queues at a broker, each with the policy its `.proto` declares.",
                "",
                "```swift",
                "let producer = \(namespace).Producer(client: client)"
            )
            if let example {
                writer.doc("let id = try await producer.\(example.memberName).enqueue(\(example.input.swiftName)())")
            }
            writer.doc(
                "```",
                "",
                "`enqueue` returns the task's id once the broker has committed the task."
            )
            writer.block("\(access)struct Producer: Sendable {") { writer in
                for queue in queues {
                    writer.doc("Enqueues on `\(queue.name)`.")
                    writer.line("\(access)let \(queue.memberName): TaskProducer<\(queue.input.swiftName)>")
                    writer.line()
                }
                writer.doc(
                    "A producer for `\(fullName)`'s queues.",
                    "",
                    "- Parameter client: A client whose endpoints reach the broker."
                )
                writer.block("\(access)init(client: ZRPC.Client) {") { writer in
                    for queue in queues {
                        writer.line(
                            "\(queue.memberName) = TaskProducer(client: client, queue: Method.\(queue.typeName).descriptor)"
                        )
                    }
                }
            }
        }
    }

    private func emitWorker(_ queues: [Queue], into writer: inout CodeWriter) {
        writer.line()
        writer.block("extension \(namespace) {") { writer in
            writer.doc(
                "Implement this to run `\(fullName)`'s tasks; give its ``taskHandlers`` to a `QueueWorker`.",
                "",
                "```swift",
                "let worker = QueueWorker(client: client, handlers: implementation.taskHandlers)",
                "```",
                "",
                "Return to ack a task (the broker keeps the result with it). Throw `TaskFailure` to choose between",
                "a retry and the dead-letter queue; any other error is retried, as the queue's policy allows."
            )
            writer.block("\(access)protocol WorkerProtocol: Sendable {") { writer in
                for (offset, queue) in queues.enumerated() {
                    if offset > 0 { writer.line() }
                    writer.doc("Runs a task from `\(queue.name)`.")
                    writer.line(
                        "func \(queue.memberName)(_ task: \(queue.input.swiftName), context: TaskContext) async throws -> \(queue.output.swiftName)"
                    )
                }
            }
        }
        writer.line()
        writer.block("extension \(namespace).WorkerProtocol {") { writer in
            writer.doc("One handler per queue: decodes tasks, calls the methods above, encodes their results.")
            writer.block("\(access)var taskHandlers: [TaskHandler] {") { writer in
                writer.line("[")
                writer.indented { writer in
                    for queue in queues {
                        writer.line("TaskHandler(")
                        writer.indented { writer in
                            writer.line("queue: \(namespace).Method.\(queue.typeName).descriptor.name,")
                            writer.line("as: \(queue.input.swiftName).self,")
                            writer.line("returning: \(queue.output.swiftName).self")
                        }
                        writer.line(
                            ") { task, context in try await self.\(queue.memberName)(task, context: context) },"
                        )
                    }
                }
                writer.line("]")
            }
        }
    }
}
