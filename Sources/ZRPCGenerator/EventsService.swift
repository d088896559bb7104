/// One events service (a `.proto` service with the `(zrpc.events)` option), checked: each method is
/// an event type published on a topic of its own (docs/CODEGEN.md, "Events services").
struct EventsService {
    /// One method as an event type.
    struct Event {
        let method: Zrpc_Descriptor_MethodDescriptorProto
        /// The event message.
        let input: SchemaIndex.TypeInfo
        /// The topic's name, without the dot its keys follow: `catalog.price_changed`.
        let topic: String
        /// Where it is declared, for messages: `events.proto: catalog.CatalogEvents.PriceChanged`.
        let location: String
        /// Its constant in `Topics`: `priceChanged`.
        let memberName: String
        /// Its part of the factories' names: `PriceChanged` in `makePriceChangedPublisher`.
        let functionStem: String
    }

    let service: Zrpc_Descriptor_ServiceDescriptorProto
    let file: SchemaIndex.File
    /// The Swift namespace enum: `Catalog_CatalogEvents` for `catalog.CatalogEvents`.
    let namespace: String
    /// The service's full proto name: `catalog.CatalogEvents`.
    let fullName: String
    let events: [Event]

    init(service: Zrpc_Descriptor_ServiceDescriptorProto, file: SchemaIndex.File, index: SchemaIndex) throws {
        let prefix = file.swiftTypePrefix
        let fullName = file.package.isEmpty ? service.name : file.package + "." + service.name
        let location = "\(file.name): \(fullName)"
        self.service = service
        self.file = file
        self.fullName = fullName
        namespace = prefix.isEmpty ? SwiftNaming.typeName(service.name) : prefix + service.name
        if service.options?.zrpcQueue != nil {
            throw GeneratorError(
                "\(location): a service is a queue service (zrpc.queue) or an events service (zrpc.events), "
                    + "not both; declare the events in a service of their own"
            )
        }
        if service.options?.zrpcPolicy != nil {
            throw GeneratorError(
                "\(location): (zrpc.service_policy) declares call defaults, and events are not calls; remove it"
            )
        }
        let topicPrefix = try Self.topicPrefix(service: service, file: file, location: location)
        events = try service.method.map { method in
            let location = "\(location).\(method.name)"
            try Self.check(method, location: location, index: index)
            let topic: String
            if case .zrpcTopic(let declared)? = method.options?.zrpcTopicPresence {
                if let problem = Self.topicProblem(declared) {
                    throw GeneratorError("\(location): (zrpc.topic) \(declared.debugDescription) \(problem)")
                }
                topic = declared
            } else {
                topic = topicPrefix + "." + Self.snakeCase(method.name)
                if let problem = Self.topicProblem(topic) {
                    throw GeneratorError(
                        "\(location): its topic \(topic.debugDescription) \(problem); name it with (zrpc.topic)"
                    )
                }
            }
            return Event(
                method: method,
                input: try index.type(named: method.inputType),
                topic: topic,
                location: location,
                memberName: SwiftNaming.memberName(method.name),
                functionStem: SwiftNaming.upperCamel(method.name)
            )
        }
    }

    /// `topic_prefix` when declared (and valid), else the package, else the service's name in snake_case.
    private static func topicPrefix(
        service: Zrpc_Descriptor_ServiceDescriptorProto,
        file: SchemaIndex.File,
        location: String
    ) throws -> String {
        let declared = service.options?.zrpcEvents?.topicPrefix ?? ""
        guard declared.isEmpty else {
            if let problem = topicProblem(declared) {
                throw GeneratorError("\(location): (zrpc.events) topic_prefix \(declared.debugDescription) \(problem)")
            }
            return declared
        }
        return file.package.isEmpty ? snakeCase(service.name) : file.package
    }

    /// Refuses what an event method cannot be: a stream, a call with a reply, a call or task policy.
    private static func check(
        _ method: Zrpc_Descriptor_MethodDescriptorProto,
        location: String,
        index: SchemaIndex
    ) throws {
        if method.clientStreaming || method.serverStreaming {
            throw GeneratorError(
                "\(location): an event is one message published on a topic, so it cannot stream; remove `stream`"
            )
        }
        if method.options?.zrpcPolicy != nil || method.options?.zrpcTaskPolicy != nil {
            throw GeneratorError(
                "\(location): (zrpc.method_policy) and (zrpc.task_policy) are for calls and tasks, not events; remove it"
            )
        }
        let output = try index.type(named: method.outputType)
        guard let message = output.message, message.field.isEmpty else {
            throw GeneratorError(
                "\(location): an event has no reply, so it returns an empty message (`message NoReply {}`), "
                    + "not \(output.fullName)"
            )
        }
    }

    /// Refuses two events on one topic, and a topic that starts another at a segment (`a.b` and
    /// `a.b.c`): a subscription to the whole first one (`a.b.`) would receive the second one's events,
    /// which do not decode as its type.
    static func checkTopics(_ services: [EventsService]) throws {
        let events = services.flatMap(\.events)
        var seen: [String: Event] = [:]
        for event in events {
            if let first = seen[event.topic] {
                throw GeneratorError(
                    "\(event.location): its topic \(event.topic.debugDescription) is also \(first.location)'s; "
                        + "give one of them another with (zrpc.topic)"
                )
            }
            seen[event.topic] = event
        }
        for outer in events {
            if let inner = events.first(where: { $0.topic.hasPrefix(outer.topic + ".") }) {
                throw GeneratorError(
                    "\(inner.location): its topic \(inner.topic.debugDescription) starts with \(outer.location)'s "
                        + "\(outer.topic.debugDescription) and a dot, so subscribers to all of that one would "
                        + "receive these events too; give one of them another topic with (zrpc.topic)"
                )
            }
        }
    }

    /// Why `topic` cannot name an event topic, or nil when it can. The rules of `EventTopic.validate()`
    /// in ZRPCPubSub, which zrpc-gen does not link (a test checks that the two agree).
    static func topicProblem(_ topic: String) -> String? {
        let bytes = topic.utf8
        if topic.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            return "is not a dotted name: a segment is empty (a dot at an end, or two in a row)"
        }
        if !bytes.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return "is not printable ASCII without spaces"
        }
        if bytes.first == UInt8(ascii: "~") {
            return "starts with ~, which is reserved for ZRPC's own topics"
        }
        if bytes.count >= 255 {
            return "is longer than 254 bytes (a topic, with the dot after it, is at most 255)"
        }
        return nil
    }

    /// A method's or service's name as a topic segment: `PriceChanged` → `price_changed`,
    /// `HTTPFailed` → `http_failed`, `price_changed` unchanged.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (offset, character) in characters.enumerated() {
            if character.isUppercase, offset > 0, result.last != "_" {
                let previous = characters[offset - 1]
                let nextIsLower = offset + 1 < characters.count && characters[offset + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    result.append("_")
                }
            }
            result += character.lowercased()
        }
        return result
    }
}

extension Zrpc_Descriptor_ServiceDescriptorProto {
    /// Whether the service has the `(zrpc.events)` option (even `{}`): its methods are event types.
    var isEventsService: Bool { options?.zrpcEvents != nil }

    /// Refuses `(zrpc.topic)` on a method of a service that is not an events service.
    func refuseTopicOptions(file: SchemaIndex.File) throws {
        guard let method = method.first(where: { $0.options?.zrpcTopicPresence != nil }) else { return }
        let fullName = file.package.isEmpty ? name : file.package + "." + name
        throw GeneratorError(
            "\(file.name): \(fullName).\(method.name): (zrpc.topic) is for the methods of an events service; "
                + "give \(fullName) the option (zrpc.events), or remove it"
        )
    }
}
