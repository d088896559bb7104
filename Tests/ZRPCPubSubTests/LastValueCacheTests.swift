import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCTestKit

@testable import ZRPCPubSub

/// The forwarder's last-value cache: a subscriber that asks for a snapshot gets the latest event
/// of every topic under its prefixes, then the live ones, without a gap.
@Suite(.serialized)
struct LastValueCacheTests {
    /// In this process: 40 topics published 3 times each before the subscriber exists; its
    /// snapshot is the third event of each, and the fourth arrives live right after it.
    @Test func aSnapshotThenLiveWithoutAGap() async throws {
        let forwarder = try await PubSubForwarder(configuration: .init(lastValueCache: ["lvc."]))
        let publisher = try await Publisher<Echo_EchoRequest>(topic: "lvc", connect: forwarder.publisherEndpoint)
        // A witness proves the publisher has the forwarder's subscriptions (its own "lvc." came first).
        let witness = try await Subscription<Echo_EchoRequest>(connect: forwarder.subscriberEndpoint, topics: ["none."])
        try await witness.waitForPublishers(1, timeout: .seconds(10))
        let keys = (0..<40).map { "k\($0)" }
        for round in 1...3 {
            for key in keys { try await publisher.publish(Echo_EchoRequest(sequence: Int64(round)), key: key) }
        }
        try await within(.seconds(10), "the forwarder caching 120 messages") {
            while forwarder.statistics.messagesIn < 120 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(forwarder.statistics.cachedTopics == 40)
        let late = try await Subscription<Echo_EchoRequest>(
            connect: forwarder.subscriberEndpoint,
            topics: ["lvc.k1"],  // k1 and k10…k19
            configuration: .init(snapshot: true)
        )
        try await late.waitForPublishers(1, timeout: .seconds(10))
        for key in keys { try await publisher.publish(Echo_EchoRequest(sequence: 4), key: key) }
        let events = try await within(.seconds(10), "22 events") {
            var collected: [ReceivedEvent<Echo_EchoRequest>] = []
            while collected.count < 22, let element = try await late.next() {
                guard case .event(let event) = element else {
                    Issue.record("a gap: \(element)")
                    continue
                }
                collected.append(event)
            }
            return collected
        }
        let matching = Set(keys.filter { $0.hasPrefix("k1") }.map { "lvc.\($0)" })
        let snapshot = events.filter(\.fromSnapshot)
        let live = events.filter { !$0.fromSnapshot }
        #expect(Set(snapshot.map(\.topic)) == matching)
        #expect(snapshot.allSatisfy { $0.sequence == 3 && $0.message.sequence == 3 })
        #expect(Set(live.map(\.topic)) == matching)
        #expect(live.allSatisfy { $0.sequence == 4 && $0.message.sequence == 4 })
        #expect(late.statistics.snapshots == 1)
        #expect(late.statistics.snapshotEvents == 11)
        #expect(late.statistics.snapshotShortfall == 0)
        #expect(late.statistics.gaps == 0)
        #expect(forwarder.statistics.snapshots == 1)
        #expect(forwarder.statistics.snapshotEvents == 11)
        await late.close()
        await witness.close()
        await publisher.close()
        await forwarder.close()
    }

    /// A full cache keeps the topics it has and counts the ones it could not take.
    @Test func aFullCacheCountsWhatItRefuses() async throws {
        let forwarder = try await PubSubForwarder(configuration: .init(lastValueCache: ["cap."], maxCachedTopics: 5))
        let publisher = try await Publisher<Echo_EchoRequest>(topic: "cap", connect: forwarder.publisherEndpoint)
        let witness = try await Subscription<Echo_EchoRequest>(connect: forwarder.subscriberEndpoint, topics: ["none."])
        try await witness.waitForPublishers(1, timeout: .seconds(10))
        for index in 0..<8 { try await publisher.publish(Echo_EchoRequest(sequence: 1), key: "k\(index)") }
        try await within(.seconds(10), "8 messages in") {
            while forwarder.statistics.messagesIn < 8 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(forwarder.statistics.cachedTopics == 5)
        #expect(forwarder.statistics.cacheRefused == 3)
        await witness.close()
        await publisher.close()
        await forwarder.close()
    }

    @Test func cachedPrefixesAreChecked() async throws {
        await #expect(throws: RPCError.self) {
            _ = try await PubSubForwarder(configuration: .init(lastValueCache: ["~zrpc."]))
        }
    }

    /// Across processes: a forwarder process with a cache, a publisher publishing on 10 keys all
    /// along, a subscriber that joins late with a snapshot. Per topic its events are numbered
    /// without a hole from the snapshot's on, and nothing is missed.
    @Test func aLateSubscriberGetsTheSnapshotAndEveryLaterEvent() async throws {
        let forwarder = try await ForwarderProcess.start(cache: ["snap."])
        defer { Task { await forwarder.process.stop() } }
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "snap",
            connect: forwarder.publishers,
            configuration: .init(highWaterMark: 10_000, whenFull: .wait(timeout: .seconds(5)))
        )
        let witness = try await Subscription<Echo_EchoRequest>(connect: forwarder.subscribers, topics: ["none."])
        try await witness.waitForPublishers(1, timeout: .seconds(10))
        let stop = Flag()
        let published = Counter()
        try await within(.seconds(40), "the late subscriber's events") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var index = 0
                    while !stop.isSet {
                        index += 1
                        try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "k\(index % 10)")
                        published.store(index)
                        // Paced so that the reader keeps up (a forwarder drops for one that falls behind).
                        if index.isMultiple(of: 10) { try await Task.sleep(for: .milliseconds(1)) }
                    }
                }
                while published.current < 500 { try await Task.sleep(for: .milliseconds(5)) }
                let late = try await Subscription<Echo_EchoRequest>(
                    connect: forwarder.subscribers,
                    topics: ["snap."],
                    configuration: .init(snapshot: true)
                )
                try await late.waitForPublishers(1, timeout: .seconds(20))
                var sequences: [String: [UInt64]] = [:]
                var fromSnapshot = 0
                while sequences.values.map(\.count).reduce(0, +) < 2_000, let element = try await late.next() {
                    switch element {
                    case .event(let event):
                        sequences[event.topic, default: []].append(event.sequence)
                        if event.fromSnapshot { fromSnapshot += 1 }
                    case .gap, .disconnected:
                        Issue.record("a loss: \(element)")
                    }
                }
                stop.set()
                // Every topic's snapshot came; one a live event had overtaken counts as a duplicate.
                #expect(late.statistics.snapshotEvents == 10)
                #expect(fromSnapshot + late.statistics.duplicates >= 10)
                #expect(sequences.count == 10)
                for (topic, numbers) in sequences {
                    #expect(
                        zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 },
                        "\(topic): \(numbers.prefix(5))…"
                    )
                }
                #expect(late.statistics.missed == 0)
                #expect(late.statistics.snapshotShortfall == 0)
                await late.close()
                try await group.waitForAll()
            }
        }
        await witness.close()
        await publisher.close()
    }
}
