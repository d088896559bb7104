import Foundation
import Synchronization
import Testing
import ZRPC
@testable import ZRPCQueue
import ZRPCTestKit

private typealias Work = Zrpc_Testkit_FaultRequest

/// The durable queue in one process: a broker in a server, producers and workers as clients.
@Suite("Durable queue")
struct BrokerTests {
    private static let queue = "test.Jobs/Run"

    @Test("enqueued tasks are delivered to a worker and acked; the counts add up")
    func deliverAndAck() async throws {
        try await BrokerHarness.with { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            let seen = Mutex<[String]>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, _ in
                seen.withLock { $0.append(task.key) }
            }
            var ids: Set<TaskID> = []
            for index in 0..<100 { ids.insert(try await producer.enqueue(Work(key: "t\(index)"))) }
            #expect(ids.count == 100)
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.acked == 100 })
            }
            #expect(Set(seen.withLock { $0 }) == Set((0..<100).map { "t\($0)" }))
            let stats = try #require(harness.broker.statistics[Self.queue])
            #expect(stats.enqueued == 100 && stats.ready == 0 && stats.leased == 0 && stats.balances)
        }
    }

    @Test("the same task enqueued twice is queued once, and the second enqueue returns the first id")
    func duplicates() async throws {
        try await BrokerHarness.with { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            let first = try await producer.enqueue(Work(key: "same"))
            let again = try await producer.enqueue(Work(key: "same"))
            #expect(first == again)
            let keyed = try await producer.enqueue(Work(key: "a"), options: .init(idempotencyKey: "k1"))
            let keyedAgain = try await producer.enqueue(Work(key: "b"), options: .init(idempotencyKey: "k1"))
            #expect(keyed == keyedAgain && keyed != first)
            #expect(harness.broker.statistics[Self.queue]?.enqueued == 2)
        }
    }

    @Test("a batch is enqueued in one call: ids in order, duplicates inside it and of queued tasks returned once")
    func batch() async throws {
        try await BrokerHarness.with { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            let queued = try await producer.enqueue(Work(key: "queued"))
            let ids = try await producer.enqueue(
                contentsOf: [Work(key: "b0"), Work(key: "queued"), Work(key: "b1"), Work(key: "b0")]
            )
            #expect(ids.count == 4 && ids[1] == queued && ids[3] == ids[0] && Set(ids).count == 3)
            #expect(try await producer.enqueue(contentsOf: []).isEmpty)
            await #expect(throws: RPCError.self) {
                try await producer.enqueue(
                    contentsOf: [Work(key: "x"), Work(key: "y")],
                    options: .init(idempotencyKey: "one key")
                )
            }
            #expect(harness.broker.statistics[Self.queue]?.enqueued == 3)
            let seen = Mutex<[String]>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, _ in
                seen.withLock { $0.append(task.key) }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.acked == 3 })
            }
            #expect(seen.withLock { $0 }.sorted() == ["b0", "b1", "queued"])
        }
    }

    @Test("a retryable failure is retried; a permanent one is dead-lettered at once")
    func failures() async throws {
        try await BrokerHarness.with(configure: {
            $0.defaultPolicy = TaskPolicy(
                maxAttempts: 3,
                backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(20))
            )
        }) { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            let attempts = Mutex<[String: [Int]]>([:])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, context in
                attempts.withLock { $0[task.key, default: []].append(context.attempt) }
                switch task.key {
                case "flaky" where context.attempt == 1: throw TaskFailure.retry("try again")
                case "poison": throw TaskFailure.permanent("cannot be done")
                case "broken": throw TaskFailure.retry("always broken")
                default: break
                }
            }
            for key in ["flaky", "poison", "broken", "fine"] { try await producer.enqueue(Work(key: key)) }
            try await harness.withWorker([handler]) { _ in
                #expect(
                    await eventually {
                        let stats = harness.broker.statistics[Self.queue]
                        return stats?.acked == 2 && stats?.deadLettered == 2
                    }
                )
            }
            let seen = attempts.withLock { $0 }
            #expect(seen["flaky"] == [1, 2])
            #expect(seen["poison"] == [1])
            #expect(seen["broken"] == [1, 2, 3])
            #expect(seen["fine"] == [1])
            #expect(harness.broker.statistics[Self.queue]?.balances == true)
        }
    }

    @Test("a task whose deadline passes before it runs is dead-lettered, never run")
    func expired() async throws {
        try await BrokerHarness.with { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            let ran = Mutex(0)
            try await producer.enqueue(Work(key: "late"), options: .init(deadline: .after(.milliseconds(50))))
            try await Task.sleep(for: .milliseconds(100))
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { _, _ in ran.withLock { $0 += 1 } }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.deadLettered == 1 })
            }
            #expect(ran.withLock { $0 } == 0)
        }
    }

    @Test("a task enqueued inside an RPC inherits the call's remaining deadline, unless told otherwise")
    func inheritedDeadline() async throws {
        try await BrokerHarness.with { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            // What a server sets around every handler.
            let callDeadline = ContinuousClock.now.advanced(by: .seconds(60))
            let expected = Date().addingTimeInterval(60)
            try await CallDeadline.$current.withValue(callDeadline) {
                try await producer.enqueue(Work(key: "inherits"))
                try await producer.enqueue(Work(key: "own"), options: .init(deadline: .none))
            }
            let deadlines = Mutex<[String: Date?]>([:])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, context in
                deadlines.withLock { $0[task.key] = context.deadline }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.acked == 2 })
            }
            let inherited = try #require(deadlines.withLock { $0["inherits"] } ?? nil)
            #expect(abs(inherited.timeIntervalSince(expected)) < 5, "\(inherited) vs \(expected)")
            #expect(deadlines.withLock { $0["own"] } == .some(nil))
        }
    }

    @Test("confirmed tasks survive a broker restart")
    func restart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("broker.sqlite").path
        let ids = try await BrokerHarness.with(databasePath: path) { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            var ids: [TaskID] = []
            for index in 0..<20 { ids.append(try await producer.enqueue(Work(key: "r\(index)"))) }
            return ids
        }
        try await BrokerHarness.with(databasePath: path) { harness in
            #expect(harness.broker.statistics[Self.queue]?.ready == 20)
            let seen = Mutex<Set<String>>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { _, context in
                seen.withLock { _ = $0.insert(context.taskID.rawValue) }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.acked == 20 })
            }
            #expect(seen.withLock { $0 } == Set(ids.map(\.rawValue)))
        }
        // Acks are recorded too: a third start has nothing pending.
        try await BrokerHarness.with(databasePath: path) { harness in
            let stats = try #require(harness.broker.statistics[Self.queue])
            #expect(stats.ready == 0 && stats.acked == 20 && stats.enqueued == 20)
        }
    }
}
