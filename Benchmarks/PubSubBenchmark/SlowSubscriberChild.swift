import BenchmarkKit
import Foundation
import Synchronization
import ZRPCPubSub
import ZRPCTestKit

/// The drops rows' subscriber: `sub-slow HWM ENDPOINT` connects a `Subscription` with high-water
/// mark HWM to ENDPOINT, subscribes to `bench`, prints `ENDPOINT <ENDPOINT>` and reads slowly (a
/// 1 ms pause after every 10 events: at most 10,000 a second). It answers the request line
/// `STATS` with `STATS <received> <gaps> <missed> <last sequence>`: its subscription's counters
/// and the sequence number of the last event it took.
enum SlowSubscriberChild {
    /// What the child reported.
    struct Counts: Sendable {
        var received: Int
        var gaps: Int
        var missed: Int
        var lastSequence: Int

        /// Asks the child.
        ///
        /// - Throws: ``BenchmarkFailure`` when it does not answer in time or the answer does not parse.
        init(_ child: BenchmarkChild) throws {
            let line = try child.request("STATS")
            let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
            guard line.hasPrefix("STATS "), fields.count == 4 else {
                throw BenchmarkFailure(message: "the slow subscriber said \(line)")
            }
            (received, gaps, missed, lastSequence) = (fields[0], fields[1], fields[2], fields[3])
        }
    }

    /// The sequence number of the last event taken, shared with the thread that answers `STATS`.
    private final class LastSequence: Sendable {
        let value = Atomic<UInt64>(0)
    }

    static func run(highWaterMark hwm: Int, endpoint: String) async throws -> Never {
        let subscription = try await Subscription<Zrpc_Testkit_FaultRequest>(
            connect: endpoint,
            topics: [RawPublisher.topic],
            configuration: .init(highWaterMark: hwm)
        )
        let last = LastSequence()
        ParentLink.start { request in
            guard request == "STATS" else { return nil }
            // The sequence first: the counters read after it include the event it names.
            let sequence = last.value.load(ordering: .acquiring)
            let statistics = subscription.statistics
            return "STATS \(statistics.received) \(statistics.gaps) \(statistics.missed) \(sequence)"
        }
        ParentLink.say("ENDPOINT \(endpoint)")
        var taken = 0
        for try await element in subscription.events {
            guard case .event(let event) = element else { continue }
            last.value.store(event.sequence, ordering: .releasing)
            taken += 1
            if taken % 10 == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        throw BenchmarkFailure(message: "the subscription ended")
    }
}
