import ConformanceMessages
import ConformanceServices
import Synchronization
import Testing
import ZRPC
import ZRPCPubSub

/// The code zrpc-gen writes for an events service (Protos/test/events.proto) in use, in this
/// process over tcp://127.0.0.1: typed publishers and subscriptions, key prefixes, whole topics.
@Suite(.serialized)
struct GeneratedEventsTests {
    typealias Catalog = Zrpc_Test_Events_CatalogEvents
    typealias PriceChange = Zrpc_Test_Events_PriceChange

    /// What a subscription delivered, by topic, with the publishers it came from.
    final class Received: Sendable {
        struct State {
            var changes: [String: [PriceChange]] = [:]
            var publishers = Set<PublisherID>()
            var count = 0
            var gaps = 0
        }

        let state = Mutex(State())

        /// Reads `subscription` until `count` events have arrived.
        func read(_ subscription: Subscription<PriceChange>, until count: Int) async throws {
            while state.withLock({ $0.count }) < count, let element = try await subscription.next() {
                state.withLock { state in
                    switch element {
                    case .event(let event):
                        state.changes[event.topic, default: []].append(event.message)
                        state.publishers.insert(event.publisher)
                        state.count += 1
                    case .gap, .disconnected:
                        state.gaps += 1
                    }
                }
            }
        }

        var snapshot: State { state.withLock { $0 } }
    }

    @Test func typedEventsFollowKeyPrefixesAndStayOnTheirTopic() async throws {
        let prices = try await Catalog.makePriceChangedPublisher(bind: "tcp://127.0.0.1:*")
        // catalog.price_changed_v2 starts with catalog.price_changed's letters: its events must not
        // reach price_changed's subscribers (they would be decoded as theirs).
        let pricesV2 = try await Catalog.makePriceChangedV2Publisher(bind: "tcp://127.0.0.1:*")
        let both = prices.endpoints + pricesV2.endpoints
        let euro = try await Catalog.subscribePriceChanged(connect: both, keys: ["EUR."])
        let every = try await Catalog.subscribePriceChanged(connect: both)
        let everyV2 = try await Catalog.subscribePriceChangedV2(connect: both)
        // A plain prefix without the dot is what the generated subscriptions avoid: it matches both.
        let letters = try await Subscription<PriceChange>(connect: both, topics: ["catalog.price_changed"])
        try await within(.seconds(20), "readiness") {
            try await prices.waitForSubscribers(4, timeout: .seconds(15))
            try await pricesV2.waitForSubscribers(4, timeout: .seconds(15))
            for subscription in [euro, every, everyV2, letters] {
                try await subscription.waitForPublishers(2, timeout: .seconds(15))
            }
        }
        #expect(prices.topic == "catalog.price_changed.")

        let fromV2 = Received()
        for cents in 1...2 {
            try await pricesV2.publish(PriceChange(sku: "ABC", currency: "EUR", cents: Int64(cents)), key: "EUR.ABC")
        }
        try await within(.seconds(10), "the v2 events") { try await fromV2.read(everyV2, until: 2) }

        for cents in 1...3 {
            try await prices.publish(PriceChange(sku: "ABC", currency: "EUR", cents: Int64(cents)), key: "EUR.ABC")
        }
        for cents in 1...2 {
            try await prices.publish(PriceChange(sku: "ABC", currency: "USD", cents: Int64(cents)), key: "USD.ABC")
        }
        try await prices.publish(PriceChange(sku: "ALL", cents: 9))  // no key: on catalog.price_changed.

        let fromEuro = Received()
        let fromEvery = Received()
        let fromLetters = Received()
        try await within(.seconds(10), "the events") {
            try await fromEuro.read(euro, until: 3)
            try await fromEvery.read(every, until: 6)
            try await fromLetters.read(letters, until: 8)
        }
        #expect(fromEuro.snapshot.changes.keys.sorted() == ["catalog.price_changed.EUR.ABC"])
        #expect(fromEuro.snapshot.changes["catalog.price_changed.EUR.ABC"]?.map(\.cents) == [1, 2, 3])
        #expect(fromEuro.snapshot.changes["catalog.price_changed.EUR.ABC"]?.first?.currency == "EUR")
        #expect(
            fromEvery.snapshot.changes.keys.sorted() == [
                "catalog.price_changed.", "catalog.price_changed.EUR.ABC", "catalog.price_changed.USD.ABC",
            ]
        )
        #expect(fromEvery.snapshot.changes["catalog.price_changed."]?.map(\.sku) == ["ALL"])
        #expect(fromEvery.snapshot.publishers == [prices.id])
        #expect(every.statistics.publishers[pricesV2.id] == nil)
        #expect(fromV2.snapshot.changes.keys.sorted() == ["catalog.price_changed_v2.EUR.ABC"])
        #expect(fromV2.snapshot.publishers == [pricesV2.id])
        #expect(fromLetters.snapshot.publishers == [prices.id, pricesV2.id])
        for received in [fromEuro, fromEvery, fromV2, fromLetters] { #expect(received.snapshot.gaps == 0) }
        #expect(euro.statistics.malformed == 0 && every.statistics.malformed == 0)

        for subscription in [euro, every, everyV2, letters] { await subscription.close() }
        await prices.close()
        await pricesV2.close()
    }

    @Test func aGeneratedSubscriptionCanBindAndPublishersConnect() async throws {
        let removals = try await Catalog.subscribeProductRemoved(bind: "tcp://127.0.0.1:*", keys: ["shoes."])
        let publisher = try await Catalog.makeProductRemovedPublisher(connect: removals.endpoints)
        try await within(.seconds(20), "readiness") {
            try await removals.waitForPublishers(1, timeout: .seconds(15))
        }
        try await publisher.publish(Zrpc_Test_Events_ProductRemoval(sku: "hat-1"), key: "hats.1")
        try await publisher.publish(Zrpc_Test_Events_ProductRemoval(sku: "shoe-7"), key: "shoes.7")
        let event = try await within(.seconds(10), "the shoe") { try await removals.next()?.event }
        #expect(event?.message.sku == "shoe-7")
        #expect(event?.topic == "catalog.removed.shoes.7")
        #expect(event?.publisher == publisher.id)
        await publisher.close()
        await removals.close()
    }

    @Test func eventTopicsBuildTopicsAndPrefixes() throws {
        let topic = Catalog.Topics.priceChanged
        #expect(topic.topic(key: "EUR.ABC") == "catalog.price_changed.EUR.ABC")
        #expect(topic.topic(key: nil) == "catalog.price_changed.")
        #expect(topic.prefixes(keys: []) == ["catalog.price_changed."])
        #expect(topic.prefixes(keys: ["EUR.", "USD"]) == ["catalog.price_changed.EUR.", "catalog.price_changed.USD"])
        #expect(Topic.join("prices.", key: "EUR") == "prices.EUR")
        #expect(Topic.join("prices", key: "EUR") == "prices.EUR")
        try topic.validate()
        #expect(throws: RPCError.self) { try EventTopic<PriceChange>("prices.").validate() }
    }

    @Test func aBadTopicNameOrKeyPrefixIsRefusedBeforeASocketOpens() async throws {
        await #expect(throws: RPCError.self) {
            _ = try await Publisher(topic: EventTopic<PriceChange>("a..b"), bind: "tcp://127.0.0.1:*")
        }
        await #expect(throws: RPCError.self) {
            _ = try await Subscription(connect: "tcp://127.0.0.1:1", topic: Catalog.Topics.priceChanged, keys: ["a b"])
        }
    }
}
