import ConformanceMessages
import ConformanceServices
import Foundation
import Testing
import ZRPCPubSub

@testable import ZRPCGenerator

/// Events services (`(zrpc.events)` and `(zrpc.topic)` in `zrpc/options.proto`): each method an event
/// type with its topic, typed publishers and subscriptions instead of RPC stubs, and declarations
/// that cannot work refused with the method's name.
@Suite("Events services in the .proto")
struct EventsServiceTests {
    private static let proto = """
        syntax = "proto3";
        package shop;
        import "zrpc/options.proto";
        message PriceChange { string sku = 1; int64 cents = 2; }
        message Removal { string sku = 1; }
        message NoReply {}
        service CatalogEvents {
          option (zrpc.events) = { topic_prefix: "catalog" };
          rpc PriceChanged(PriceChange) returns (NoReply);
          rpc ProductRemoved(Removal) returns (NoReply) { option (zrpc.topic) = "catalog.removed"; }
        }
        """

    /// Generates `text` as `shop.proto` from a folder that has no `zrpc/options.proto` of its own.
    private func generate(_ text: String, _ arguments: [String] = []) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zrpc-gen-events-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try text.write(to: folder.appendingPathComponent("shop.proto"), atomically: true, encoding: .utf8)
        let options = try GeneratorOptions(
            arguments: ["--proto-path", folder.path, "--swift-out", "Out", "--c-out", "OutC"] + arguments
                + ["shop.proto"]
        )
        let files = try await generateOffPool(options)
        return try #require(files.first { $0.path.hasSuffix("shop.zrpc.swift") }).contents
    }

    private func refusal(_ text: String) async throws -> String {
        let error = try await #require(throws: GeneratorError.self) { try await generate(text) }
        return error.message
    }

    @Test("each method's topic: the prefix and the method's name in snake_case, or its (zrpc.topic)")
    func topics() async throws {
        let swift = try await generate(Self.proto)
        #expect(
            swift.contains(
                "public static let priceChanged = ZRPCPubSub.EventTopic<Shop_PriceChange>(\"catalog.price_changed\")"
            )
        )
        #expect(
            swift.contains(
                "public static let productRemoved = ZRPCPubSub.EventTopic<Shop_Removal>(\"catalog.removed\")"
            )
        )
    }

    @Test("without topic_prefix the package comes first, or the service's name without a package")
    func defaultPrefix() async throws {
        let withPackage = Self.proto.replacingOccurrences(
            of: "option (zrpc.events) = { topic_prefix: \"catalog\" };",
            with: "option (zrpc.events) = {};"
        )
        #expect(try await generate(withPackage).contains("EventTopic<Shop_PriceChange>(\"shop.price_changed\")"))
        let withoutPackage = withPackage.replacingOccurrences(of: "package shop;", with: "")
        #expect(
            try await generate(withoutPackage).contains("EventTopic<PriceChange>(\"catalog_events.price_changed\")")
        )
    }

    @Test("typed publishers and subscriptions, not RPC stubs, importing ZRPCPubSub")
    func factories() async throws {
        let swift = try await generate(Self.proto)
        let lines = swift.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
        #expect(swift.contains("\nimport ZRPC\nimport ZRPCPubSub\n"))
        #expect(
            lines.contains(
                """
                public static func makePriceChangedPublisher(
                bind endpoint: String,
                configuration: ZRPCPubSub.PublisherConfiguration = .defaults
                ) async throws -> ZRPCPubSub.Publisher<Shop_PriceChange> {
                try await ZRPCPubSub.Publisher<Shop_PriceChange>(topic: Topics.priceChanged, bind: endpoint, configuration: configuration)
                }
                """
            )
        )
        #expect(lines.contains("public static func makeProductRemovedPublisher(\nconnect endpoints: [String],"))
        #expect(
            lines.contains(
                """
                public static func subscribePriceChanged(
                connect endpoints: [String],
                keys: [String] = [],
                configuration: ZRPCPubSub.SubscriptionConfiguration = .defaults
                ) async throws -> ZRPCPubSub.Subscription<Shop_PriceChange> {
                try await ZRPCPubSub.Subscription<Shop_PriceChange>(connect: endpoints, topic: Topics.priceChanged, keys: keys, configuration: configuration)
                }
                """
            )
        )
        #expect(lines.contains("public static func subscribeProductRemoved(\nbind endpoint: String,"))
        #expect(!swift.contains("ServiceProtocol") && !swift.contains("MethodDescriptor"))
    }

    @Test("--access package reaches the declarations and the import")
    func packageAccess() async throws {
        let swift = try await generate(Self.proto, ["--access", "package"])
        #expect(swift.contains("package import ZRPCPubSub\n"))
        #expect(swift.contains("package static let priceChanged ="))
        #expect(swift.contains("package static func subscribePriceChanged("))
    }

    @Test(
        "declarations that cannot be events are refused with the method's name",
        arguments: [
            ("rpc PriceChanged(PriceChange)", "rpc PriceChanged(stream PriceChange)", "cannot stream"),
            ("PriceChanged(PriceChange) returns (NoReply)", "PriceChanged(PriceChange) returns (Removal)", "NoReply"),
            ("\"catalog.removed\"", "\"catalog removed\"", "not printable ASCII"),
            ("\"catalog.removed\"", "\"~catalog.removed\"", "reserved"),
            ("\"catalog.removed\"", "\"catalog..removed\"", "not a dotted name"),
            ("\"catalog.removed\"", "\"catalog.removed.\"", "not a dotted name"),
            ("\"catalog.removed\"", "\"catalog.price_changed\"", "is also"),
            ("\"catalog.removed\"", "\"catalog.price_changed.removed\"", "starts with"),
            (
                "returns (NoReply) { option (zrpc.topic) = \"catalog.removed\"; }",
                "returns (NoReply) { option (zrpc.method_policy) = { timeout_millis: 5 }; }",
                "not events"
            ),
        ]
    )
    func refused(replacing: String, with: String, message: String) async throws {
        let text = Self.proto.replacingOccurrences(of: replacing, with: with)
        #expect(text != Self.proto)
        let error = try await refusal(text)
        #expect(error.contains("shop.CatalogEvents."), "\(error)")
        #expect(error.contains(message), "\(error)")
    }

    @Test(
        "service-wide declarations that cannot work are refused with the service's name",
        arguments: [
            ("topic_prefix: \"catalog\"", "topic_prefix: \"catalog.\"", "topic_prefix \"catalog.\" is not a dotted"),
            (
                "option (zrpc.events) = { topic_prefix: \"catalog\" };",
                "option (zrpc.events) = {}; option (zrpc.queue) = {};",
                "not both"
            ),
            (
                "option (zrpc.events) = { topic_prefix: \"catalog\" };",
                "option (zrpc.events) = {}; option (zrpc.service_policy) = { timeout_millis: 5 };",
                "events are not calls"
            ),
        ]
    )
    func refusedService(replacing: String, with: String, message: String) async throws {
        let text = Self.proto.replacingOccurrences(of: replacing, with: with)
        #expect(text != Self.proto)
        let error = try await refusal(text)
        #expect(error.contains("shop.proto: shop.CatalogEvents"), "\(error)")
        #expect(error.contains(message), "\(error)")
    }

    @Test("two services' events on one topic are refused")
    func sameTopicInTwoServices() async throws {
        let text =
            Self.proto + """

                service MoreEvents {
                  option (zrpc.events) = { topic_prefix: "catalog" };
                  rpc Removed(Removal) returns (NoReply);
                }
                """
        let error = try await refusal(text)
        #expect(error.contains("shop.MoreEvents.Removed: its topic \"catalog.removed\" is also"))
        #expect(error.contains("shop.CatalogEvents.ProductRemoved"))
    }

    @Test("(zrpc.topic) outside an events service is refused", arguments: ["", "option (zrpc.queue) = {};"])
    func topicOutsideEventsService(serviceOption: String) async throws {
        let text = Self.proto.replacingOccurrences(
            of: "option (zrpc.events) = { topic_prefix: \"catalog\" };",
            with: serviceOption
        )
        let error = try await refusal(text)
        #expect(
            error.contains("shop.CatalogEvents.ProductRemoved: (zrpc.topic) is for the methods of an events service")
        )
    }

    @Test(
        "method names become topic segments in snake_case",
        arguments: [
            ("PriceChanged", "price_changed"), ("price_changed", "price_changed"), ("HTTPFailed", "http_failed"),
            ("PriceChangedV2", "price_changed_v2"), ("UserID", "user_id"), ("Reloaded", "reloaded"),
        ]
    )
    func snakeCase(name: String, segment: String) {
        #expect(EventsService.snakeCase(name) == segment)
    }

    @Test(
        "zrpc-gen accepts exactly the topic names EventTopic.validate() accepts",
        arguments: [
            "catalog.price_changed", "a", "a.b.c", "prices-EUR", "", ".a", "a.", "a..b", "has space", "~zrpc.x",
            "é", String(repeating: "x", count: 254), String(repeating: "x", count: 255),
        ]
    )
    func topicRulesAgree(name: String) {
        let runtime = Result { try EventTopic<Zrpc_Test_Events_PriceChange>(name).validate() }
        #expect((EventsService.topicProblem(name) == nil) == ((try? runtime.get()) != nil), "\(name)")
    }

    @Test("the committed events service (Protos/test/events.proto) has its topics")
    func committedTopics() {
        #expect(Zrpc_Test_Events_CatalogEvents.Topics.priceChanged.name == "catalog.price_changed")
        #expect(Zrpc_Test_Events_CatalogEvents.Topics.priceChangedV2.name == "catalog.price_changed_v2")
        #expect(Zrpc_Test_Events_CatalogEvents.Topics.productRemoved.name == "catalog.removed")
        #expect(Zrpc_Test_Events_AuditEvents.Topics.userSignedIn.name == "zrpc.test.events.user_signed_in")
    }
}
