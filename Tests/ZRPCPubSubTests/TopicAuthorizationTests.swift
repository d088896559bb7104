import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCPubSub

/// Per-topic authorization at a CURVE forwarder: who may publish and subscribe to which topics
/// (docs/SECURITY.md, "Authorization (topics)").
@Suite("Topic authorization", .timeLimit(.minutes(1)))
struct TopicAuthorizationTests {
    private let server: CurveKeys
    private let pricing: CurveKeys
    private let intruder: CurveKeys
    private let auditor: CurveKeys
    private let dashboard: CurveKeys

    init() throws {
        server = try CurveKeys.generate()
        pricing = try CurveKeys.generate()
        intruder = try CurveKeys.generate()
        auditor = try CurveKeys.generate()
        dashboard = try CurveKeys.generate()
    }

    private func forwarder(_ authorization: TopicAuthorization) async throws -> PubSubForwarder {
        var configuration = ForwarderConfiguration()
        configuration.publisherSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [pricing.publicKey, intruder.publicKey])
        )
        configuration.subscriberSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [auditor.publicKey, dashboard.publicKey])
        )
        configuration.authorization = authorization
        configuration.logger.logLevel = .critical
        return try await PubSubForwarder(configuration: configuration)
    }

    private func publisher(
        _ topic: String,
        _ keys: CurveKeys,
        _ forwarder: PubSubForwarder
    ) async throws
        -> Publisher<Echo_EchoRequest>
    {
        var configuration = Publisher<Echo_EchoRequest>.Configuration()
        configuration.security = try .curveClient(keys: keys, serverPublicKey: server.publicKey)
        return try await Publisher(topic: topic, connect: forwarder.publisherEndpoint, configuration: configuration)
    }

    private func subscription(
        _ topics: [String],
        _ keys: CurveKeys,
        _ forwarder: PubSubForwarder
    ) async throws
        -> Subscription<Echo_EchoRequest>
    {
        var configuration = Subscription<Echo_EchoRequest>.Configuration()
        configuration.security = try .curveClient(keys: keys, serverPublicKey: server.publicKey)
        return try await Subscription(
            connect: forwarder.subscriberEndpoint,
            topics: topics,
            configuration: configuration
        )
    }

    /// Reads from `subscription` into `collected` until `count` events arrived.
    private func read(
        _ count: Int,
        from subscription: Subscription<Echo_EchoRequest>,
        into collected: Collected
    )
        async throws
    {
        try await within(.seconds(10), "\(count) events") {
            while collected.snapshot.events < count, let element = try await subscription.next() {
                collected.record(element)
            }
        }
    }

    @Test("a publisher key not allowed on prices. has its events dropped and counted; an allowed one's arrive")
    func publishRefused() async throws {
        let forwarder = try await forwarder(TopicAuthorization(publish: ["prices.": [pricing.publicKey]]))
        let good = try await publisher("prices", pricing, forwarder)
        let bad = try await publisher("prices", intruder, forwarder)
        let watcher = try await subscription(["prices."], dashboard, forwarder)
        try await watcher.waitForPublishers(2, timeout: .seconds(5))
        for index in 1...5 { try await bad.publish(Echo_EchoRequest(sequence: Int64(index)), key: "forged") }
        try await within(.seconds(5), "the forged events refused") {
            while forwarder.statistics.deniedEvents < 5 { try await Task.sleep(for: .milliseconds(5)) }
        }
        for index in 1...5 { try await good.publish(Echo_EchoRequest(sequence: Int64(index)), key: "eur") }
        let collected = Collected()
        try await read(5, from: watcher, into: collected)
        #expect(collected.snapshot.topics == ["prices.eur"])
        #expect(forwarder.statistics.deniedEvents == 5)
        await watcher.close()
        await bad.close()
        await good.close()
        await forwarder.close()
    }

    @Test("a subscriber key not allowed secrets. receives nothing from it, and prices. as before")
    func subscribeRefused() async throws {
        let forwarder = try await forwarder(TopicAuthorization(subscribe: ["secrets.": [auditor.publicKey]]))
        let prices = try await publisher("prices", pricing, forwarder)
        let secrets = try await publisher("secrets", pricing, forwarder)
        let allowed = try await subscription(["secrets."], auditor, forwarder)
        let refused = try await subscription(["prices.", "secrets."], dashboard, forwarder)
        try await allowed.waitForPublishers(2, timeout: .seconds(5))
        try await refused.waitForPublishers(2, timeout: .seconds(5))
        try await refused.waitUntilReady(timeout: .seconds(5))
        #expect(forwarder.statistics.deniedSubscriptions >= 1)
        for index in 1...5 { try await secrets.publish(Echo_EchoRequest(sequence: Int64(index)), key: "plan") }
        let audited = Collected()
        try await read(5, from: allowed, into: audited)
        #expect(audited.snapshot.topics == ["secrets.plan"])
        // The secrets went out before these: a copy for `refused` would be queued ahead of them.
        for index in 1...5 { try await prices.publish(Echo_EchoRequest(sequence: Int64(index)), key: "eur") }
        let watched = Collected()
        try await read(5, from: refused, into: watched)
        #expect(watched.snapshot.topics == ["prices.eur"])
        await refused.close()
        await allowed.close()
        await secrets.close()
        await prices.close()
        await forwarder.close()
    }

    @Test(
        "under subscription rules an allowed subscriber gets its welcome and snapshot; a refused one leaving takes nothing down"
    )
    func snapshotsAndLeaving() async throws {
        var configuration = ForwarderConfiguration(lastValueCache: ["secrets."])
        configuration.publisherSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [pricing.publicKey])
        )
        configuration.subscriberSecurity = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [auditor.publicKey, dashboard.publicKey])
        )
        configuration.authorization = TopicAuthorization(
            subscribe: ["secrets.": [auditor.publicKey], "vault.": [auditor.publicKey]]
        )
        configuration.logger.logLevel = .critical
        let forwarder = try await PubSubForwarder(configuration: configuration)
        let secrets = try await publisher("secrets", pricing, forwarder)
        let vault = try await publisher("vault", pricing, forwarder)
        // A refused subscriber first, asking for a prefix (not cached) the allowed one will hold too.
        let refused = try await subscription(["vault."], dashboard, forwarder)
        try await refused.waitUntilReady(timeout: .seconds(5))
        try await refused.waitForPublishers(2, timeout: .seconds(5))
        for index in 1...3 { try await secrets.publish(Echo_EchoRequest(sequence: Int64(index)), key: "plan") }
        try await within(.seconds(5), "the forwarder caching the secrets") {
            while forwarder.statistics.messagesIn < 3 { try await Task.sleep(for: .milliseconds(5)) }
        }
        var snapshotting = Subscription<Echo_EchoRequest>.Configuration(snapshot: true)
        snapshotting.security = try .curveClient(keys: auditor, serverPublicKey: server.publicKey)
        let allowed = try await Subscription<Echo_EchoRequest>(
            connect: forwarder.subscriberEndpoint,
            topics: ["secrets.", "vault."],
            configuration: snapshotting
        )
        try await allowed.waitUntilReady(timeout: .seconds(5))
        try await allowed.waitForPublishers(2, timeout: .seconds(5))
        // The refused subscriber leaves: libzmq reports its prefixes withdrawn without a key.
        let active = forwarder.statistics.activeSubscriptions
        await refused.close()
        try await within(.seconds(5), "the refused subscriber's welcome withdrawn") {
            while forwarder.statistics.activeSubscriptions >= active { try await Task.sleep(for: .milliseconds(5)) }
        }
        for index in 4...6 { try await secrets.publish(Echo_EchoRequest(sequence: Int64(index)), key: "plan") }
        for index in 1...3 { try await vault.publish(Echo_EchoRequest(sequence: Int64(index)), key: "gold") }
        let audited = Collected()
        try await read(7, from: allowed, into: audited)
        #expect(audited.snapshot.applicationSequences["secrets.plan"] == [3, 4, 5, 6])
        #expect(audited.snapshot.applicationSequences["vault.gold"] == [1, 2, 3])
        // One snapshot per prefix (vault. is not cached: an empty one), the cached secret in it.
        #expect(allowed.statistics.snapshots == 2 && allowed.statistics.snapshotEvents == 1)
        #expect(forwarder.statistics.deniedSubscriptions == 1)
        await allowed.close()
        await vault.close()
        await secrets.close()
        await forwarder.close()
    }

    @Test("a publisher that binds applies only the subscriptions a key may hold")
    func bindingPublisher() async throws {
        var configuration = Publisher<Echo_EchoRequest>.Configuration()
        configuration.security = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [auditor.publicKey, dashboard.publicKey])
        )
        configuration.authorization = TopicAuthorization(subscribe: ["secrets.hidden": [auditor.publicKey]])
        configuration.logger.logLevel = .critical
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "secrets",
            bind: "tcp://127.0.0.1:*",
            configuration: configuration
        )
        func subscribe(_ topics: [String], _ keys: CurveKeys) async throws -> Subscription<Echo_EchoRequest> {
            var configuration = Subscription<Echo_EchoRequest>.Configuration()
            configuration.security = try .curveClient(keys: keys, serverPublicKey: server.publicKey)
            return try await Subscription(connect: publisher.endpoints[0], topics: topics, configuration: configuration)
        }
        let allowed = try await subscribe(["secrets.hidden"], auditor)
        let refused = try await subscribe(["secrets.hidden", "secrets.open"], dashboard)
        try await allowed.waitForPublishers(1, timeout: .seconds(5))
        try await refused.waitForPublishers(1, timeout: .seconds(5))
        #expect(publisher.statistics.deniedSubscriptions == 1)
        for index in 1...5 { try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "hidden") }
        for index in 1...5 { try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "open") }
        let audited = Collected()
        try await read(5, from: allowed, into: audited)
        #expect(audited.snapshot.topics == ["secrets.hidden"])
        let watched = Collected()
        try await read(5, from: refused, into: watched)
        #expect(watched.snapshot.topics == ["secrets.open"])
        await refused.close()
        await allowed.close()
        await publisher.close()
    }

    @Test("a subscription must cover only readable topics; the longest publish rule decides")
    func rules() {
        let key = "k"
        let rules = TopicAuthorization(
            publish: ["prices.": ["p"], "prices.eu.": ["q"]],
            subscribe: ["": [], "prices.eu.": [key]]
        )
        #expect(rules.maySubscribe(publicKey: key, prefix: "prices.eu."))
        #expect(rules.maySubscribe(publicKey: key, prefix: "prices.eu.ABC"))
        #expect(!rules.maySubscribe(publicKey: key, prefix: ""))
        #expect(!rules.maySubscribe(publicKey: key, prefix: "pri"))
        #expect(!rules.maySubscribe(publicKey: nil, prefix: "prices.eu."))
        #expect(rules.mayPublish(publicKey: "p", topic: "prices.us.X"))
        #expect(!rules.mayPublish(publicKey: "p", topic: "prices.eu.X"))
        #expect(rules.mayPublish(publicKey: "q", topic: "prices.eu.X"))
        #expect(rules.mayPublish(publicKey: nil, topic: "orders.1"))
        #expect(TopicAuthorization.allowAll.maySubscribe(publicKey: nil, prefix: ""))
    }

    @Test("rules from a file: a trailing * is dropped, * alone covers every topic, a bad line is named")
    func rulesFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString).rules")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        # who may read and write what
        prices.*   publish    \(pricing.publicKey)
        prices.*   subscribe  \(dashboard.publicKey) \(auditor.publicKey)   # both dashboards
        *          subscribe
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let rules = try TopicAuthorization(contentsOf: path)
        #expect(rules.publish == ["prices.": [pricing.publicKey]])
        #expect(rules.subscribe == ["prices.": [dashboard.publicKey, auditor.publicKey], "": []])
        #expect(rules.maySubscribe(publicKey: dashboard.publicKey, prefix: "prices.eu"))
        #expect(!rules.maySubscribe(publicKey: dashboard.publicKey, prefix: "orders."))

        try "prices.* publish \(pricing.publicKey)\nprices.* read \(pricing.publicKey)\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let error = #expect(throws: TopicAuthorization.FileError.self) { try TopicAuthorization(contentsOf: path) }
        #expect(error?.line == 2)
        #expect(error.map { "\($0)" }?.contains(pricing.publicKey) == false)
    }

    @Test(
        "zrpc-forwarder reads its rules from ZRPC_FORWARDER_AUTHORIZATION_FILE; plain text has no key, so a ruled topic is refused"
    )
    func forwarderProcessRules() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString).rules")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "secret.* publish\n".write(toFile: path, atomically: true, encoding: .utf8)
        let forwarder = try await ForwarderProcess.start(environment: ["ZRPC_FORWARDER_AUTHORIZATION_FILE": path])
        let secret = try await Publisher<Echo_EchoRequest>(topic: "secret", connect: forwarder.publishers)
        let open = try await Publisher<Echo_EchoRequest>(topic: "open", connect: forwarder.publishers)
        let watcher = try await Subscription<Echo_EchoRequest>(
            connect: forwarder.subscribers,
            topics: ["secret.", "open."]
        )
        try await watcher.waitForPublishers(2, timeout: .seconds(5))
        for index in 1...5 { try await secret.publish(Echo_EchoRequest(sequence: Int64(index)), key: "plans") }
        for index in 1...5 { try await open.publish(Echo_EchoRequest(sequence: Int64(index)), key: "news") }
        let collected = Collected()
        try await read(5, from: watcher, into: collected)
        #expect(collected.snapshot.topics == ["open.news"])
        await watcher.close()
        await secret.close()
        await open.close()
        await forwarder.process.stop()

        try "secret.* write\n".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = await #expect(throws: (any Error).self) {
            try await ForwarderProcess.start(environment: ["ZRPC_FORWARDER_AUTHORIZATION_FILE": path])
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("did not report an endpoint"))
    }
}
