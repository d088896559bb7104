import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCPubSub

/// CURVE on pub/sub sockets: a publisher and its subscriptions, the forwarder's two sides, and a
/// process that requires security (docs/SECURITY.md).
@Suite("CURVE on pub/sub", .timeLimit(.minutes(1)))
struct CurvePubSubTests {
    private let server: CurveKeys
    private let publisherKeys: CurveKeys
    private let subscriberKeys: CurveKeys
    private let stranger: CurveKeys

    init() throws {
        server = try CurveKeys.generate()
        publisherKeys = try CurveKeys.generate()
        subscriberKeys = try CurveKeys.generate()
        stranger = try CurveKeys.generate()
    }

    private func client(_ keys: CurveKeys) throws -> TransportSecurity {
        try .curveClient(keys: keys, serverPublicKey: server.publicKey)
    }

    private func allowing(_ keys: CurveKeys...) throws -> TransportSecurity {
        .curveServer(keys: server, allowList: try CurveAllowList(keys: keys.map(\.publicKey)))
    }

    /// Publishes `count` events on `topic` and reads them from `subscription`.
    private func deliver(
        _ count: Int,
        from publisher: Publisher<Echo_EchoRequest>,
        to subscription: Subscription<Echo_EchoRequest>
    ) async throws -> Int {
        for index in 1...count { try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "a") }
        let collected = Collected()
        try await within(.seconds(10), "\(count) events") {
            while collected.snapshot.events < count, let element = try await subscription.next() {
                collected.record(element)
            }
        }
        return collected.snapshot.events
    }

    @Test("a CURVE publisher delivers to an allowed subscription and never welcomes a stranger")
    func publisherAndSubscription() async throws {
        var publisherConfiguration = Publisher<Echo_EchoRequest>.Configuration()
        publisherConfiguration.security = try allowing(subscriberKeys)
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "secure",
            bind: "tcp://127.0.0.1:*",
            configuration: publisherConfiguration
        )
        var allowed = Subscription<Echo_EchoRequest>.Configuration()
        allowed.security = try client(subscriberKeys)
        let subscription = try await Subscription<Echo_EchoRequest>(
            connect: publisher.endpoints[0],
            topics: ["secure."],
            configuration: allowed
        )
        var refused = Subscription<Echo_EchoRequest>.Configuration()
        refused.security = try client(stranger)
        let outsider = try await Subscription<Echo_EchoRequest>(
            connect: publisher.endpoints[0],
            topics: ["secure."],
            configuration: refused
        )
        try await subscription.waitForPublishers(1, timeout: .seconds(5))
        #expect(try await deliver(5, from: publisher, to: subscription) == 5)
        await #expect(throws: (any Error).self) { try await outsider.waitForPublishers(1, timeout: .milliseconds(500)) }
        #expect(outsider.statistics.publishers.isEmpty)
        await outsider.close()
        await subscription.close()
        await publisher.close()
    }

    @Test("CURVE through the forwarder: publishers and subscribers each on an allow-list")
    func throughTheForwarder() async throws {
        var configuration = ForwarderConfiguration()
        configuration.publisherSecurity = try allowing(publisherKeys)
        configuration.subscriberSecurity = try allowing(subscriberKeys)
        let forwarder = try await PubSubForwarder(configuration: configuration)
        var publisherConfiguration = Publisher<Echo_EchoRequest>.Configuration()
        publisherConfiguration.security = try client(publisherKeys)
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "fwd",
            connect: forwarder.publisherEndpoint,
            configuration: publisherConfiguration
        )
        var subscriptionConfiguration = Subscription<Echo_EchoRequest>.Configuration()
        subscriptionConfiguration.security = try client(subscriberKeys)
        let subscription = try await Subscription<Echo_EchoRequest>(
            connect: forwarder.subscriberEndpoint,
            topics: ["fwd."],
            configuration: subscriptionConfiguration
        )
        try await subscription.waitForPublishers(1, timeout: .seconds(5))
        #expect(try await deliver(5, from: publisher, to: subscription) == 5)
        await subscription.close()
        await publisher.close()
        await forwarder.close()
    }

    @Test("a process that requires security refuses a plain-text publisher")
    func requiredSecurityRefusesPlaintextPublisher() async throws {
        let context = try TransportContext(requiresSecurity: true)
        defer { context.shutdown() }
        var configuration = Publisher<Echo_EchoRequest>.Configuration()
        configuration.transportContext = context
        do {
            _ = try await Publisher<Echo_EchoRequest>(
                topic: "plain",
                bind: "tcp://127.0.0.1:*",
                configuration: configuration
            )
            Issue.record("a plain-text publisher was opened")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
        }
    }
}
