import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCPubSub
import ZRPCTestKit

/// A `zrpc-forwarder` process in the middle; publishers as processes or in this one.
@Suite(.serialized)
struct AcrossProcessesTests {
    /// Three publisher processes, five subscribers with overlapping prefixes: each subscriber gets
    /// exactly the messages its prefixes match, every one, numbered 1…N per publisher and topic.
    @Test func everySubscriberGetsExactlyWhatItsPrefixesMatch() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let prefixes: [[String]] = [
            [""], ["prices."], ["prices.EUR."], ["prices.EUR.A", "news.eu"], ["news.", "prices.GBP."],
        ]
        var subscriptions: [Subscription<Echo_EchoRequest>] = []
        for topics in prefixes {
            let subscription = try await Subscription<Echo_EchoRequest>(
                connect: forwarder.subscribers,
                topics: topics,
                configuration: .init(highWaterMark: 100_000)
            )
            try await subscription.waitUntilReady(timeout: .seconds(10))
            subscriptions.append(subscription)
        }
        let count = 200
        let plans: [(topic: String, keys: [String])] = [
            ("prices", ["EUR.A", "EUR.B", "USD.A"]), ("prices", ["EUR.A", "GBP.X"]), ("news", ["eu", "us"]),
        ]
        var publishers: [(process: ChildProcess, id: String, topics: [String])] = []
        for plan in plans {
            let process = try await ChildProcess.start(
                "zrpc-test-publisher",
                arguments: [
                    forwarder.publishers, "--topic", plan.topic, "--keys", plan.keys.joined(separator: ","),
                    "--count", "\(count)", "--subscribers", "\(prefixes.count)",
                ]
            )
            let match = try #require(process.printedText.firstMatch(of: /\bid ([0-9a-f]+)/))
            let id = match.1
            publishers.append((process, String(id), plan.keys.map { plan.topic + "." + $0 }))
        }
        for publisher in publishers {
            let line = "published \(publisher.id) \(count) discarded 0"
            #expect(await publisher.process.printed(line, within: .seconds(30)))
        }
        defer { for publisher in publishers { Task { await publisher.process.stop() } } }
        for (index, subscription) in subscriptions.enumerated() {
            var expected: [String: [UInt64]] = [:]
            for publisher in publishers {
                for topic in publisher.topics where prefixes[index].contains(where: { topic.hasPrefix($0) }) {
                    expected["\(publisher.id)/\(topic)"] = Array(1...UInt64(count))
                }
            }
            let total = expected.count * count
            let collected = Collected()
            try await within(.seconds(20), "subscriber \(index): \(total) events") {
                while collected.snapshot.events < total, let element = try await subscription.next() {
                    collected.record(element)
                }
            }
            #expect(collected.snapshot.sequences == expected, "subscriber \(index) \(prefixes[index])")
            #expect(collected.snapshot.gaps.isEmpty)
            #expect(subscription.statistics.malformed == 0)
            for publisher in publishers where expected.keys.contains(where: { $0.hasPrefix(publisher.id) }) {
                let id = try #require(PublisherID(hex: publisher.id))
                let tally = subscription.statistics.publishers[id]
                #expect(tally?.received == expected.keys.filter { $0.hasPrefix(publisher.id) }.count * count)
            }
            await subscription.close()
        }
    }

    /// A tiny high-water mark at the forwarder and a subscriber that stops reading: the gaps it
    /// counts equal the messages it did not get.
    @Test func gapsCountedEqualTheMessagesMissing() async throws {
        let forwarder = try await ForwarderProcess.start(highWaterMark: 10)
        defer { Task { await forwarder.process.stop() } }
        let subscription = try await Subscription<Echo_EchoRequest>(
            connect: forwarder.subscribers,
            topics: ["gaps."],
            configuration: .init(highWaterMark: 10)
        )
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "gaps",
            connect: forwarder.publishers,
            configuration: .init(highWaterMark: 1_000_000)
        )
        try await publisher.waitForSubscribers(1, timeout: .seconds(10))
        try await subscription.waitForPublishers(1, timeout: .seconds(10))
        // The subscriber reads nothing while these go out.
        let burst = 20_000
        let text = String(repeating: "g", count: 1024)
        for index in 1...burst {
            try await publisher.publish(Echo_EchoRequest(text: text, sequence: Int64(index)), key: "k")
        }
        // Now it reads; markers follow until one arrives, so the loss at the end of the burst shows too.
        let collected = Collected()
        let done = Flag()
        try await within(.seconds(30), "a marker after the burst") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var marker = burst
                    while !done.isSet {
                        marker += 1
                        try await publisher.publish(Echo_EchoRequest(text: "marker", sequence: Int64(marker)), key: "k")
                        try await Task.sleep(for: .milliseconds(20))  // pacing the markers, not synchronising
                    }
                }
                while let element = try await subscription.next() {
                    collected.record(element)
                    if let event = element.event, event.sequence > UInt64(burst) { break }
                }
                done.set()
                try await group.waitForAll()
            }
        }
        let snapshot = collected.snapshot
        let sequences = try #require(snapshot.sequences.values.first)
        let last = try #require(sequences.last)
        let missed = snapshot.gaps.reduce(UInt64(0)) { $0 + $1.missed }
        #expect(sequences.first == 1)
        #expect(missed > 0, "a tiny high-water mark and a stalled reader must lose messages")
        #expect(UInt64(sequences.count) + missed == last)
        // The counters include what the I/O thread read ahead (markers after the one taken here).
        #expect(subscription.statistics.missed >= missed)
        #expect(subscription.statistics.gaps >= snapshot.gaps.count)
        // One publisher: its tally is the totals (one snapshot, counted together).
        let statistics = subscription.statistics
        #expect(statistics.publishers[publisher.id]?.gaps == statistics.gaps)
        #expect(statistics.publishers[publisher.id]?.missed == statistics.missed)
        #expect(publisher.statistics.dropped == 0)
        await publisher.close()
        await subscription.close()
    }

    /// A subscriber that joins while publishing goes on receives everything published after it
    /// is ready (its prefixes reached the publisher, through the forwarder), with no gap.
    @Test func aLateSubscriberGetsEverythingFromReadyOn() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let publisher = try await Publisher<Echo_EchoRequest>(
            topic: "late",
            connect: forwarder.publishers,
            configuration: .init(highWaterMark: 10_000, whenFull: .wait(timeout: .seconds(5)))
        )
        // Publishing has begun (to nobody) before the subscriber exists.
        for index in 1...1_000 {
            try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "k")
        }
        let published = Counter()
        published.store(1_000)
        let target = Counter()
        try await within(.seconds(30), "the late subscriber's events") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var index = published.current
                    while target.current == 0 || index < target.current {
                        index += 1
                        try await publisher.publish(Echo_EchoRequest(sequence: Int64(index)), key: "k")
                        published.store(index)
                        // Paced so that the reader keeps up once ready: a forwarder drops for a subscriber
                        // that falls behind (a gap, tested above), and this test asserts there is none.
                        if index.isMultiple(of: 10) { try await Task.sleep(for: .milliseconds(1)) }
                    }
                }
                let late = try await Subscription<Echo_EchoRequest>(connect: forwarder.subscribers, topics: ["late.k"])
                try await late.waitForPublishers(1, timeout: .seconds(20))
                // Everything published from here on must arrive.
                let readyAt = published.current
                target.store(readyAt + 2_000)
                var received: [Int64] = []
                var sequences: [UInt64] = []
                var gaps = 0
                while let element = try await late.next() {
                    switch element {
                    case .event(let event):
                        received.append(event.message.sequence)
                        sequences.append(event.sequence)
                    case .gap, .disconnected:
                        gaps += 1
                    }
                    if received.last == Int64(readyAt + 2_000) { break }
                }
                #expect(received.filter { $0 > Int64(readyAt) } == Array(Int64(readyAt + 1)...Int64(readyAt + 2_000)))
                #expect(gaps == 0)
                #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 })
                #expect(late.statistics.missed == 0)
                await late.close()
                try await group.waitForAll()
            }
        }
        await publisher.close()
    }
}
