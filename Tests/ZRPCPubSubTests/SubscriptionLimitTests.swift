import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCPubSub

/// The forwarder's limit of subscriptions per subscriber, per CURVE key
/// (``ForwarderConfiguration/maxSubscriptionsPerPeer``; docs/PROTOCOL.md, "Limits of pub/sub").
@Suite("Subscriptions per subscriber", .timeLimit(.minutes(1)))
struct SubscriptionLimitTests {
    private let server: CurveKeys
    private let pricing: CurveKeys
    private let flooder: CurveKeys
    private let dashboard: CurveKeys

    init() throws {
        server = try CurveKeys.generate()
        pricing = try CurveKeys.generate()
        flooder = try CurveKeys.generate()
        dashboard = try CurveKeys.generate()
    }

    private func subscription(
        _ topics: [String],
        _ keys: CurveKeys,
        _ forwarder: PubSubForwarder
    ) async throws -> Subscription<Echo_EchoRequest> {
        var configuration = Subscription<Echo_EchoRequest>.Configuration()
        configuration.security = try .curveClient(keys: keys, serverPublicKey: server.publicKey)
        return try await Subscription(
            connect: forwarder.subscriberEndpoint,
            topics: topics,
            configuration: configuration
        )
    }

    @Test("a key subscribing to 200 topics holds only its 50; another key subscribing after it is served in full")
    func perKeyLimit() async throws {
        let limit = 50
        let topics = 200
        var configuration = ForwarderConfiguration()
        configuration.publisherSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [pricing.publicKey])
        )
        configuration.subscriberSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [flooder.publicKey, dashboard.publicKey])
        )
        configuration.maxSubscriptionsPerPeer = limit
        configuration.logger.logLevel = .critical
        let forwarder = try await PubSubForwarder(configuration: configuration)
        var publishing = Publisher<Echo_EchoRequest>.Configuration()
        publishing.security = try .curveClient(keys: pricing, serverPublicKey: server.publicKey)
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "flood",
            connect: forwarder.publisherEndpoint,
            configuration: publishing
        )
        // Fixed-width names: no subscription is a prefix of another topic. Its welcome comes after
        // its topics, past the limit: it waits for no welcome.
        let key = { (index: Int) in String(format: "%05d", index) }
        let flood = try await subscription((0..<topics).map { "flood." + key($0) }, flooder, forwarder)
        try await within(.seconds(10), "the flooder's subscriptions read") {
            while forwarder.statistics.subscriptionsOverLimit < topics + 1 - limit {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        // Another key has its own room: its subscription and welcome are applied.
        let good = try await subscription(["flood.00199"], dashboard, forwarder)
        try await good.waitUntilReady(timeout: .seconds(10))
        try await good.waitForPublishers(1, timeout: .seconds(10))
        for index in 0..<topics {
            try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: key(index))
        }
        // Behind the others, on a topic both hold.
        try await publisher.publish(Echo_EchoRequest(sequence: -1), key: key(0))
        let reached = try await within(.seconds(10), "the flooder's events up to the end marker") {
            var reached = Set<String>()
            while let element = try await flood.next() {
                guard let event = element.event else { continue }
                if event.message.sequence == -1 { break }
                reached.insert(event.topic)
            }
            return reached
        }
        #expect(reached == Set((0..<limit).map { "flood." + key($0) }))
        try await within(.seconds(10), "the good subscriber's event") {
            while let element = try await good.next() {
                if let event = element.event, event.topic == "flood.00199" { return }
            }
        }
        #expect(forwarder.statistics.subscriptionsOverLimit == topics + 1 - limit)
        await good.close()
        await flood.close()
        await publisher.close()
        await forwarder.close()
    }
}
