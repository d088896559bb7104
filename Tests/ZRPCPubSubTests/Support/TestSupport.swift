import EchoMessages
import Foundation
import Synchronization
import ZRPC
import ZRPCPubSub
import ZRPCTestKit

/// The test did not finish within its bound.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `timeout`: every wait in these tests is bounded.
func within<T: Sendable>(
    _ timeout: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// A `zrpc-forwarder` process and the endpoints it printed.
struct ForwarderProcess {
    let process: ChildProcess
    let publishers: String
    let subscribers: String

    static func start(
        highWaterMark: Int = 100_000,
        cache: [String] = [],
        maxSubscriptions: Int? = nil,
        environment: [String: String] = [:]
    ) async throws -> ForwarderProcess {
        let process = try await ChildProcess.start(
            "zrpc-forwarder",
            arguments: [
                "--publishers", "tcp://127.0.0.1:*", "--subscribers", "tcp://127.0.0.1:*", "--hwm", "\(highWaterMark)",
            ] + (cache.isEmpty ? [] : ["--cache", cache.joined(separator: ",")])
                + (maxSubscriptions.map { ["--max-subscriptions", "\($0)"] } ?? []),
            environment: environment
        )
        let line = process.printedText
        guard let match = line.firstMatch(of: /publishers (tcp:\/\/\S+) subscribers (tcp:\/\/\S+)/) else {
            await process.stop()
            throw TimedOut(what: "zrpc-forwarder endpoints in \(line)")
        }
        return ForwarderProcess(process: process, publishers: String(match.1), subscribers: String(match.2))
    }
}

/// Collects what a subscription delivers: events per (publisher, topic), gaps.
final class Collected: Sendable {
    struct State {
        var sequences: [String: [UInt64]] = [:]
        var applicationSequences: [String: [Int64]] = [:]
        var events = 0
        var gaps: [SubscriptionGap] = []
        var disconnections: [String] = []
        var topics = Set<String>()
    }

    let state = Mutex(State())

    static func key(_ publisher: PublisherID, _ topic: String) -> String { "\(publisher)/\(topic)" }

    func record(_ element: SubscriptionElement<Echo_EchoRequest>) {
        state.withLock { state in
            switch element {
            case .event(let event):
                state.events += 1
                state.topics.insert(event.topic)
                state.sequences[Self.key(event.publisher, event.topic), default: []].append(event.sequence)
                state.applicationSequences[event.topic, default: []].append(event.message.sequence)
            case .gap(let gap):
                state.gaps.append(gap)
            case .disconnected(let endpoint):
                state.disconnections.append(endpoint)
            }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// A counter one task advances and another reads.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func store(_ newValue: Int) { value.store(newValue, ordering: .releasing) }
    var current: Int { value.load(ordering: .acquiring) }
}
