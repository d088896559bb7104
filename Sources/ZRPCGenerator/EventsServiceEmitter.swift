/// Writes the Swift of one events service: each event's topic as an `EventTopic` constant, and per
/// event factories of typed publishers and subscriptions (ZRPCPubSub's `Publisher` and `Subscription`).
struct EventsServiceEmitter {
    let model: EventsService
    let access: String

    func emit(into writer: inout CodeWriter) {
        writer.doc(
            "The `\(model.fullName)` events service from `\(model.file.name)`: each method is an event type with",
            "a topic of its own. Its publishers send on `topic.key` (`topic.` without a key); its subscriptions",
            "name key prefixes, or none for the whole topic."
        )
        writer.block("\(access)enum \(model.namespace) {") { writer in
            writer.doc("Each event's topic.")
            writer.block("\(access)enum Topics {") { writer in
                for (offset, event) in model.events.enumerated() {
                    if offset > 0 { writer.line() }
                    writer.doc("`rpc \(event.method.name)(\(event.input.fullName))`: `\(event.topic)`.")
                    writer.line(
                        "\(access)static let \(event.memberName) = ZRPCPubSub.EventTopic<\(event.input.swiftName)>(\"\(event.topic)\")"
                    )
                }
            }
        }
        for event in model.events {
            writer.line()
            emitFactories(event, into: &writer)
        }
    }

    private func emitFactories(_ event: EventsService.Event, into writer: inout CodeWriter) {
        let type = event.input.swiftName
        let constant = "Topics.\(event.memberName)"
        let publisher = "ZRPCPubSub.Publisher<\(type)>"
        let subscription = "ZRPCPubSub.Subscription<\(type)>"
        writer.block("extension \(model.namespace) {") { writer in
            writer.doc(
                "A publisher of `\(event.method.name)` events, bound to `endpoint` for subscriptions to connect to.",
                "",
                "```swift",
                "let publisher = try await \(model.namespace).make\(event.functionStem)Publisher(bind: \"tcp://*:7300\")",
                "try await publisher.publish(\(type)(), key: \"k\")   // on \(event.topic).k",
                "```"
            )
            writer.line("\(access)static func make\(event.functionStem)Publisher(")
            writer.indented { writer in
                writer.line("bind endpoint: String,")
                writer.line("configuration: ZRPCPubSub.PublisherConfiguration = .defaults")
            }
            writer.block(") async throws -> \(publisher) {") { writer in
                writer.line("try await \(publisher)(topic: \(constant), bind: endpoint, configuration: configuration)")
            }
            writer.line()
            writer.doc(
                "A publisher of `\(event.method.name)` events, connected to forwarders or subscriptions that bind.",
                "",
                "```swift",
                "let publisher = try await \(model.namespace).make\(event.functionStem)Publisher(connect: [forwarder])",
                "```"
            )
            writer.line("\(access)static func make\(event.functionStem)Publisher(")
            writer.indented { writer in
                writer.line("connect endpoints: [String],")
                writer.line("configuration: ZRPCPubSub.PublisherConfiguration = .defaults")
            }
            writer.block(") async throws -> \(publisher) {") { writer in
                writer.line(
                    "try await \(publisher)(topic: \(constant), connect: endpoints, configuration: configuration)"
                )
            }
            writer.line()
            writer.doc(
                "Subscribes to `\(event.method.name)` events whose key starts with one of `keys` (every key when",
                "empty), at forwarders or publishers that bind.",
                "",
                "```swift",
                "let subscription = try await \(model.namespace).subscribe\(event.functionStem)(connect: [forwarder], keys: [\"k.\"])",
                "for try await element in subscription.events { if let event = element.event { use(event.message) } }",
                "```"
            )
            writer.line("\(access)static func subscribe\(event.functionStem)(")
            writer.indented { writer in
                writer.line("connect endpoints: [String],")
                writer.line("keys: [String] = [],")
                writer.line("configuration: ZRPCPubSub.SubscriptionConfiguration = .defaults")
            }
            writer.block(") async throws -> \(subscription) {") { writer in
                writer.line(
                    "try await \(subscription)(connect: endpoints, topic: \(constant), keys: keys, configuration: configuration)"
                )
            }
            writer.line()
            writer.doc(
                "Subscribes to `\(event.method.name)` events whose key starts with one of `keys` (every key when",
                "empty), bound to `endpoint` for publishers to connect to."
            )
            writer.line("\(access)static func subscribe\(event.functionStem)(")
            writer.indented { writer in
                writer.line("bind endpoint: String,")
                writer.line("keys: [String] = [],")
                writer.line("configuration: ZRPCPubSub.SubscriptionConfiguration = .defaults")
            }
            writer.block(") async throws -> \(subscription) {") { writer in
                writer.line(
                    "try await \(subscription)(bind: endpoint, topic: \(constant), keys: keys, configuration: configuration)"
                )
            }
        }
    }
}
