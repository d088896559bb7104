import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

@testable import ZRPCQueue

private typealias Work = Zrpc_Testkit_FaultRequest

/// The broker's admin service: statistics and the dead-letter queue.
@Suite("Queue admin")
struct AdminTests {
    private static let queue = "test.Jobs/Run"
    private static let other = "test.Jobs/Other"

    /// Dead-letters `count` tasks on `queue` (a permanent failure each), and returns their ids.
    private func deadLetter(
        _ count: Int,
        on queue: String,
        _ harness: BrokerHarness,
        prefix: String
    ) async throws -> [TaskID] {
        let producer = TaskProducer<Work>(client: harness.client, queue: queue)
        var ids: [TaskID] = []
        for index in 0..<count { ids.append(try await producer.enqueue(Work(key: "\(prefix)\(index)"))) }
        let handler = TaskHandler(queue: queue, as: Work.self) { _, _ in throw TaskFailure.permanent("refused") }
        let before = harness.broker.statistics[queue]?.deadLettered ?? 0
        try await harness.withWorker([handler]) { _ in
            #expect(await eventually { harness.broker.statistics[queue]?.deadLettered == before + count })
        }
        return ids
    }

    @Test("dead letters are listed by filter and page, and shown with their payload and errors")
    func listAndShow() async throws {
        try await BrokerHarness.with { harness in
            let admin = Zrpc_Queue_Admin.Client(wrapping: harness.client)
            let ids = try await deadLetter(25, on: Self.queue, harness, prefix: "a")
            _ = try await deadLetter(3, on: Self.other, harness, prefix: "b")
            var listed: [String] = []
            var token = ""
            repeat {
                let page = try await admin.listDeadLetters(
                    .init(filter: .init(queue: Self.queue), pageSize: 10, pageToken: token)
                )
                #expect(page.entries.count <= 10)
                listed += page.entries.map(\.taskID)
                token = page.nextPageToken
            } while !token.isEmpty
            #expect(listed == ids.map(\.rawValue))
            let byReason = try await admin.listDeadLetters(.init(filter: .init(reason: "permanent error")))
            #expect(byReason.entries.count == 28)
            let shown = try await admin.showDeadLetter(.init(taskID: ids[0].rawValue))
            #expect(try Work(serializedBytes: shown.payload).key == "a0")
            #expect(
                shown.entry?.errors == ["refused"] && shown.entry?.attempts == 1
                    && shown.entry?.reason == "permanent error"
            )
            let missing = await #expect(throws: RPCError.self) { try await admin.showDeadLetter(.init(taskID: "nope")) }
            #expect(missing?.code == .notFound)
            let badReason = await #expect(throws: RPCError.self) {
                try await admin.listDeadLetters(.init(filter: .init(reason: "tired")))
            }
            #expect(badReason?.code == .invalidArgument)
            let stats = try await admin.stats(.init())
            #expect(stats.queues.map(\.queue) == [Self.other, Self.queue])
            #expect(stats.queues.allSatisfy { $0.enqueued == $0.acked + $0.deadLettered + $0.ready + $0.leased })
        }
    }

    @Test("a replayed dead letter runs again with fresh attempts and its idempotency key; purge empties the queue")
    func replayAndPurge() async throws {
        try await BrokerHarness.with { harness in
            let admin = Zrpc_Queue_Admin.Client(wrapping: harness.client)
            let ids = try await deadLetter(4, on: Self.queue, harness, prefix: "r")
            let refused = await #expect(throws: RPCError.self) { try await admin.replay(.init()) }
            #expect(refused?.code == .invalidArgument)
            let replayed = try await admin.replay(.init(filter: .init(taskID: ids[1].rawValue)))
            #expect(replayed.taskIds == [ids[1].rawValue])
            let runs = Mutex<[(String, Int, String)]>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, context in
                runs.withLock { $0.append((task.key, context.attempt, context.idempotencyKey)) }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { harness.broker.statistics[Self.queue]?.acked == 1 })
            }
            let run = try #require(runs.withLock { $0.first })
            #expect(run.0 == "r1" && run.1 == 1 && run.2.hasPrefix("content:"))
            let stats = try #require(harness.broker.statistics[Self.queue])
            #expect(stats.deadLettered == 3 && stats.acked == 1 && stats.balances)
            // Enqueuing the replayed task again is still a duplicate: it kept its key.
            let again = try await TaskProducer<Work>(client: harness.client, queue: Self.queue).enqueue(Work(key: "r1"))
            #expect(again == ids[1])
            let purged = try await admin.purge(.init(all: true))
            #expect(purged.purged == 3)
            #expect(try await admin.listDeadLetters(.init()).entries.isEmpty)
        }
    }
}
