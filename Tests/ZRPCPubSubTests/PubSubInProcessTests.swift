import EchoMessages
import Foundation
import Synchronization
import Testing
import ZRPC
import ZeroMQ

@testable import ZRPCPubSub

/// A publisher and subscriptions in this process, connected directly (no forwarder).
@Suite(.serialized)
struct PubSubInProcessTests {
    @Test func directDeliveryFollowsPrefixesAndNumbersEachTopic() async throws {
        let publisher = try await Publisher<Echo_EchoRequest>(topic: "prices", bind: "tcp://127.0.0.1:*")
        let eur = try await Subscription<Echo_EchoRequest>(connect: publisher.endpoints[0], topics: ["prices.EUR."])
        let all = try await Subscription<Echo_EchoRequest>(connect: publisher.endpoints[0], topics: [""])
        try await publisher.waitForSubscribers(2, timeout: .seconds(5))
        try await eur.waitForPublishers(1, timeout: .seconds(5))
        try await all.waitForPublishers(1, timeout: .seconds(5))
        #expect(eur.welcomingPublishers == [publisher.id])
        for index in 1...10 {
            try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "EUR.A")
            try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "USD.A", metadata: ["t": "1"])
        }
        let fromEUR = Collected()
        let fromAll = Collected()
        try await within(.seconds(10), "events") {
            while fromEUR.snapshot.events < 10, let element = try await eur.next() { fromEUR.record(element) }
            while fromAll.snapshot.events < 20, let element = try await all.next() { fromAll.record(element) }
        }
        let key = Collected.key(publisher.id, "prices.EUR.A")
        #expect(fromEUR.snapshot.sequences == [key: Array(1...10)])
        #expect(fromAll.snapshot.topics == ["prices.EUR.A", "prices.USD.A"])
        #expect(fromAll.snapshot.sequences[Collected.key(publisher.id, "prices.USD.A")] == Array(1...10))
        #expect(all.statistics.publishers[publisher.id]?.received == 20)
        #expect(all.statistics.gaps == 0)
        #expect(publisher.statistics.published == 20)
        await eur.close()
        await all.close()
        await publisher.close()
    }

    @Test func malformedMessagesAreCountedAndSkipped() async throws {
        let context = try Context()
        let raw = try Socket(context, type: .xpublish)
        try raw.set(.receiveTimeout, .seconds(5))
        try raw.bind("tcp://127.0.0.1:*")
        let subscription = try await Subscription<Echo_EchoRequest>(connect: try raw.lastEndpoint, topics: ["m."])
        // The welcome prefix comes last: once it is here, "m." is in place.
        var sawWelcome = false
        for _ in 0..<4 where !sawWelcome {
            guard let frames = try raw.receive(maxFrames: 1) else { break }
            sawWelcome = frames[0].bytes.dropFirst().starts(with: PubSubWire.welcomePrefix)
        }
        #expect(sawWelcome)
        let publisher = PublisherID.random()
        func header(_ sequence: UInt64) throws -> Frame {
            try PubSubWire.headerFrame(
                kind: .event,
                publisher: publisher,
                sequence: sequence,
                timestampMicros: 0,
                metadata: [:]
            )
        }
        let payload = try Echo_EchoRequest(text: "ok").withPacked { packed in
            try Frame(size: packed.size) { _ = packed.pack(into: $0) }
        }
        let newer = Zrpc_Pubsub_EventHeader(version: 2, kind: .event, publisherID: publisher.bytes, sequence: 3)
        let newerHeader = try newer.withPacked { packed in try Frame(size: packed.size) { _ = packed.pack(into: $0) } }
        _ = try raw.send([try Frame("m.x"), try header(1), payload])
        _ = try raw.send([try Frame("m.x"), try Frame("two frames")])  // frame count
        _ = try raw.send([try Frame("m.x"), try Frame(bytes: [0xFF, 0xFF, 0xFF]), payload])  // header
        _ = try raw.send([try Frame("m.x"), try header(2), try Frame(bytes: [0xFF, 0xFF, 0xFF])])  // payload
        _ = try raw.send([try Frame("m.x"), newerHeader, payload])  // version
        _ = try raw.send([try Frame("m.x"), try header(3), payload, try Frame("a fourth")])  // frame count
        _ = try raw.send([try Frame("m.x"), try header(3), payload])
        let collected = Collected()
        try await within(.seconds(10), "two good events") {
            while collected.snapshot.events < 2, let element = try await subscription.next() {
                collected.record(element)
            }
        }
        #expect(collected.snapshot.sequences == [Collected.key(publisher, "m.x"): [1, 3]])
        #expect(collected.snapshot.gaps.isEmpty)  // 2 arrived (its payload was bad), so nothing is missing
        #expect(subscription.statistics.malformed == 5)
        #expect(subscription.statistics.received == 2)
        raw.close()
        await subscription.close()
    }

    @Test func backPressureRefusesInsteadOfDropping() async throws {
        var configuration = PublisherConfiguration(highWaterMark: 5, whenFull: .wait(timeout: .milliseconds(200)))
        configuration.linger = .seconds(5)
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "bp",
            bind: "tcp://127.0.0.1:*",
            configuration: configuration
        )
        let subscription = try await Subscription<Echo_EchoRequest>(
            connect: publisher.endpoints[0],
            topics: ["bp."],
            configuration: .init(highWaterMark: 5)
        )
        try await publisher.waitForSubscribers(1, timeout: .seconds(5))
        let text = String(repeating: "x", count: 4096)
        var refused = false
        for index in 1...100_000 {
            do {
                try await publisher.publish(Echo_EchoRequest(text: text, sequence: Int64(index)), key: "k")
            } catch let error as RPCError where error.code == .resourceExhausted {
                refused = true
                break
            }
        }
        #expect(refused)
        let published = publisher.statistics.published
        #expect(publisher.statistics.refusedFull == 1)
        let collected = Collected()
        try await within(.seconds(20), "every accepted event") {
            while collected.snapshot.events < published, let element = try await subscription.next() {
                collected.record(element)
            }
        }
        #expect(collected.snapshot.events == published)
        #expect(collected.snapshot.gaps.isEmpty)
        await publisher.close()
        #expect(publisher.statistics.discarded == 0)
        await subscription.close()
    }

    /// A subscription whose buffer is full (nothing read) and whose first welcome was lost still
    /// becomes ready when a task waits: it reads on, discarding the unwelcomed publisher's oldest
    /// events, and asks for a welcome again. What it then hands over has no hole and no gap.
    @Test func waitingForReadinessSurvivesAFullBufferAndALostWelcome() async throws {
        let feed = RawFeed(topic: "w.k", ignoringWelcomes: 1)
        try await within(.seconds(40), "the whole exchange") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.run() }
                defer { feed.stop() }
                let subscription = try await Subscription<Echo_EchoRequest>(
                    connect: try await feed.endpoint(),
                    topics: ["w."],
                    configuration: .init(highWaterMark: 4)
                )
                // The first welcome request was seen (and ignored), and the pipe to the reader is full.
                while feed.state.withLock({ $0.welcomeRequests == 0 || !$0.full }) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(!subscription.isReady)
                try await subscription.waitForPublishers(1, timeout: .seconds(10))
                #expect(feed.state.withLock { $0.welcomeRequests } >= 2)
                #expect(subscription.statistics.discardedBeforeReady > 0)
                // From here on every event arrives, in order, without a gap.
                var sequences: [UInt64] = []
                while sequences.count < 200, let element = try await subscription.next() {
                    guard case .event(let event) = element else {
                        Issue.record("a gap after readiness: \(element)")
                        break
                    }
                    sequences.append(event.sequence)
                }
                #expect(sequences.count == 200)
                #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 })
                #expect(subscription.statistics.missed == 0)
                feed.stop()
                try await group.waitForAll()
                await subscription.close()
            }
        }
    }

    @Test func topicsAreChecked() async throws {
        #expect(throws: RPCError.self) { try Topic.validate(topic: "~zrpc.x") }
        #expect(throws: RPCError.self) { try Topic.validate(topic: "has space") }
        #expect(throws: RPCError.self) { try Topic.validate(topic: "") }
        try Topic.validate(prefix: "")
        try Topic.validate(topic: "prices.EUR.ABC")
        #expect(PublisherID(hex: PublisherID(bytes: [0, 255, 16]).description)?.bytes == [0, 255, 16])
    }
}

/// A raw XPUB publisher on its own task: events as fast as its pipe (high-water mark 4, NODROP)
/// takes them, never dropping one, and welcomes for every welcome request but the first few.
private final class RawFeed: Sendable {
    struct State {
        var endpoint: String?
        var welcomeRequests = 0
        /// The pipe refused an event (the reader is not keeping up).
        var full = false
        var stopped = false
    }

    let state = Mutex(State())
    private let topic: String
    private let ignoredWelcomes: Int

    init(topic: String, ignoringWelcomes: Int) {
        self.topic = topic
        ignoredWelcomes = ignoringWelcomes
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// Where the socket is bound, once it is.
    func endpoint() async throws -> String {
        while true {
            if let endpoint = state.withLock({ $0.endpoint }) { return endpoint }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    func run() async throws {
        let context = try Context()
        let socket = try Socket(context, type: .xpublish)
        defer { socket.close() }
        try socket.set(.sendHighWaterMark, 4)
        try socket.set(.xpubNoDrop, true)
        try socket.bind("tcp://127.0.0.1:*")
        let bound = try socket.lastEndpoint
        state.withLock { $0.endpoint = bound }
        let publisher = PublisherID.random()
        let payload = try Echo_EchoRequest(text: String(repeating: "p", count: 512)).withPacked { packed in
            try Frame(size: packed.size) { _ = packed.pack(into: $0) }
        }.bytes
        var sequence: UInt64 = 0
        var pendingWelcome: [Frame]?
        while !state.withLock({ $0.stopped }) {
            while let frames = try socket.receive(dontWait: true, maxFrames: 1) {
                let bytes = frames[0].bytes
                guard bytes.first == 1, bytes.dropFirst().starts(with: PubSubWire.welcomePrefix) else { continue }
                let requests = state.withLock { state in
                    state.welcomeRequests += 1
                    return state.welcomeRequests
                }
                if requests > ignoredWelcomes {
                    pendingWelcome = try PubSubWire.welcome(
                        topic: Array(bytes.dropFirst()),
                        kind: .publisherWelcome,
                        sender: publisher
                    )
                }
            }
            if let welcome = pendingWelcome, try socket.send(welcome, dontWait: true) { pendingWelcome = nil }
            var refused = false
            for _ in 0..<64 {
                let header = try PubSubWire.headerFrame(
                    kind: .event,
                    publisher: publisher,
                    sequence: sequence + 1,
                    timestampMicros: 0,
                    metadata: [:]
                )
                guard try socket.send([try Frame(topic), header, try Frame(bytes: payload)], dontWait: true) else {
                    refused = true
                    break
                }
                sequence += 1
            }
            if refused { state.withLock { $0.full = true } }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
