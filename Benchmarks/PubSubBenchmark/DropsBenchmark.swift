import BenchmarkKit
import ZRPCPubSub
import ZRPCTestKit

/// The drops rows: a small high-water mark everywhere (the publisher's, the subscriber's, the
/// forwarder's), the default drop policy, and a subscriber child that reads slowly
/// (`sub-slow`). The publisher publishes a burst of 64 B events, half a high-water mark at a
/// time with a 50 µs pause between (ten times faster than the subscriber reads, slow enough that
/// most losses happen in libzmq's queues rather than in the publisher's own), then one at a time
/// until the last one it published reaches the subscriber (so that the tail of the burst shows
/// as a gap too: a loss is seen at the next message that arrives). Nothing may go uncounted:
/// the subscription accounts for every message the publisher numbered (received + missed ==
/// published), and the publisher for every call (published + dropped == calls).
struct DropsBenchmark {
    let options: PubSubBenchmarkOptions

    /// Where the messages go.
    enum Path: CaseIterable, Hashable, Sendable {
        case direct
        case forwarder

        var label: String {
            switch self {
            case .direct: "direct"
            case .forwarder: "through the forwarder"
            }
        }
    }

    /// One round's counts.
    struct Sample: Sendable {
        /// `publish` calls.
        var calls = 0
        /// Accepted and numbered (the publisher's `statistics.published`).
        var published = 0
        /// Dropped by the publisher's own full queue before they got a number (`statistics.dropped`).
        var droppedByPublisher = 0
        /// Events the subscription received (`statistics.received`).
        var received = 0
        /// Gaps and the messages missing in them (`statistics.gaps`, `statistics.missed`).
        var gaps = 0
        var missed = 0

        /// Whether every call is accounted for: numbered or dropped by the publisher, and every
        /// numbered message received or counted missing by the subscription.
        var isExact: Bool { received + missed == published && published + droppedByPublisher == calls }
    }

    /// The rounds of one path.
    struct Result: Sendable {
        var samples: [Sample] = []
        var failures: [String] = []
    }

    /// Runs every round of both paths.
    func run() async -> [Path: Result] {
        var results: [Path: Result] = [:]
        for round in 0..<options.rounds {
            progress("drops: round \(round + 1) of \(options.rounds) (a burst of \(options.dropBurst))")
            for path in round % 2 == 0 ? Path.allCases : Path.allCases.reversed() {
                do {
                    let sample = try await measure(path)
                    progress(
                        "  \(path.label): published \(sample.published) (+\(sample.droppedByPublisher) dropped "
                            + "by the publisher), received \(sample.received), missed \(sample.missed) in "
                            + "\(sample.gaps) gaps"
                    )
                    results[path, default: Result()].samples.append(sample)
                    if !sample.isExact {
                        results[path, default: Result()].failures.append(
                            "drops \(path.label): \(sample.calls) calls, published \(sample.published) + dropped "
                                + "\(sample.droppedByPublisher); received \(sample.received) + missed \(sample.missed)"
                        )
                    }
                } catch {
                    progress("  \(path.label) failed: \(error)")
                    results[path, default: Result()].failures.append("drops \(path.label): \(error)")
                }
            }
        }
        return results
    }

    /// Events published back to back in the burst: half a high-water mark.
    static func step(_ highWaterMark: Int) -> Int { max(highWaterMark / 2, 1) }

    /// The pause after each step of the burst, in microseconds.
    static let pauseMicroseconds = 50

    private func measure(_ path: Path) async throws -> Sample {
        let hwm = options.dropHighWaterMark
        let bench = try await BenchPublisher.start(
            viaForwarder: path == .forwarder,
            forwarderHighWaterMark: hwm,
            configuration: PublisherConfiguration(highWaterMark: hwm, whenFull: .drop)
        )
        let publisher = bench.publisher
        do {
            let subscriber = try BenchmarkChild(arguments: ["sub-slow", "\(hwm)", bench.subscriberEndpoint])
            defer { subscriber.stop() }
            try await publisher.waitForSubscribers(1, timeout: .seconds(30))
            let message = try Payload(size: 64).message
            var calls = 0
            var due = ContinuousClock.now
            while calls < options.dropBurst {
                for _ in 0..<min(Self.step(hwm), options.dropBurst - calls) {
                    try await publisher.publish(message)
                    calls += 1
                }
                // Paced by spinning: Task.sleep's granularity is about a millisecond here.
                due = due.advanced(by: .microseconds(Self.pauseMicroseconds))
                while ContinuousClock.now < due {}
            }
            var counts = try SlowSubscriberChild.Counts(subscriber)
            let tailDeadline = ContinuousClock.now.advanced(by: .seconds(60))
            while counts.lastSequence != publisher.statistics.published {
                guard ContinuousClock.now < tailDeadline else {
                    throw BenchmarkFailure(message: "the last message never reached the slow subscriber")
                }
                try await publisher.publish(message)
                calls += 1
                try await Task.sleep(for: .milliseconds(20))
                counts = try SlowSubscriberChild.Counts(subscriber)
            }
            let statistics = publisher.statistics
            await bench.close()
            return Sample(
                calls: calls,
                published: statistics.published,
                droppedByPublisher: statistics.dropped,
                received: counts.received,
                gaps: counts.gaps,
                missed: counts.missed
            )
        } catch {
            await bench.close()
            throw error
        }
    }
}
