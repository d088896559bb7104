import Foundation
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// The message the pipeline tests send.
typealias Job = Zrpc_Testkit_FaultRequest

/// A job numbered `index`, with a payload of a few bytes.
func job(_ index: Int) -> Job {
    Job(key: "job-\(index)", payload: [UInt8(truncatingIfNeeded: index), 0xAB])
}

/// A wait that took longer than its deadline.
struct DeadlineExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "not done within \(limit)" }
}

/// Runs `body`, failing with ``DeadlineExceeded`` (and cancelling it) if it takes longer than
/// `limit`: every wait in these tests is bounded.
func within<Value: Sendable>(
    _ limit: Duration = .seconds(10),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(limit: limit) }
        return value
    }
}

/// Receives exactly `count` messages, within `limit`.
func receive(
    _ count: Int,
    from receiver: PipelineReceiver<Job>,
    within limit: Duration = .seconds(10)
) async throws -> [Job] {
    try await within(limit) {
        var received: [Job] = []
        while received.count < count, let message = try await receiver.receive() {
            received.append(message)
        }
        return received
    }
}

/// An endpoint on `transport` that no other test uses (tcp: a free port, read back after binding).
func uniqueEndpoint(_ transport: String) -> String {
    let name = "zrpc-pipeline-\(getpid())-\(UUID().uuidString.prefix(8))"
    switch transport {
    case "inproc": return "inproc://\(name)"
    case "ipc": return "ipc:///tmp/\(name).sock"
    default: return "tcp://127.0.0.1:*"
    }
}
