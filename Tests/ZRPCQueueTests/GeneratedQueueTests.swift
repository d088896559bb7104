import ConformanceMessages
import ConformanceServices
import Foundation
import Synchronization
import Testing
import ZRPC

@testable import ZRPCQueue

private typealias Thumbnails = Zrpc_Test_Queue_Thumbnails

/// A worker for `test/queue.proto`'s queue service: resizes unless the image is "broken", and never
/// manages a purge. It records every attempt.
private final class ThumbnailWorker: Thumbnails.WorkerProtocol {
    let attempts = Mutex<[String: [Int]]>([:])

    func resize(_ task: Zrpc_Test_Queue_ResizeTask, context: TaskContext) async throws -> Zrpc_Test_Queue_ResizeResult {
        attempts.withLock { $0[task.imageID, default: []].append(context.attempt) }
        guard task.imageID != "broken" else { throw TaskFailure.retry("the image is broken") }
        return Zrpc_Test_Queue_ResizeResult(
            thumbnailID: "\(task.imageID)@\(task.width)",
            attempt: UInt32(context.attempt)
        )
    }

    func purge(_ task: Zrpc_Test_Queue_PurgeTask, context: TaskContext) async throws -> Zrpc_Test_Queue_Purged {
        attempts.withLock { $0["purge:" + task.key, default: []].append(context.attempt) }
        throw TaskFailure.retry("the store is read-only")
    }

    func seen(_ key: String) -> [Int] { attempts.withLock { $0[key] ?? [] } }
}

/// Work declared in a `.proto` (`Protos/test/queue.proto`): zrpc-gen's producer and worker protocol
/// against a real broker, with the delivery policy the `.proto` declares.
@Suite("Queue services generated from .proto")
struct GeneratedQueueTests {
    private static let resize = Thumbnails.Method.Resize.descriptor.name
    private static let purge = Thumbnails.Method.Purge.descriptor.name

    @Test("the descriptors carry the queue names and the declared policies, a method's over its service's")
    func descriptors() {
        #expect(
            Thumbnails.queues.map(\.name) == ["zrpc.test.queue.Thumbnails/Resize", "zrpc.test.queue.Thumbnails/Purge"]
        )
        let backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(20), multiplier: 2)
        #expect(
            Thumbnails.Method.Resize.descriptor.declaredPolicy
                == TaskPolicy.Overrides(maxAttempts: 4, backoff: backoff, lease: .seconds(30))
        )
        #expect(
            Thumbnails.Method.Purge.descriptor.declaredPolicy
                == TaskPolicy.Overrides(
                    maxAttempts: 2,
                    backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(20), multiplier: 1.5),
                    lease: .seconds(30),
                    deadline: .seconds(60),
                    keepsDeadLetters: false
                )
        )
    }

    @Test("the generated producer enqueues, the worker protocol runs tasks, and the declared attempts apply")
    func endToEnd() async throws {
        try await BrokerHarness.with { harness in
            let producer = Thumbnails.Producer(client: harness.client)
            #expect(producer.resize.queue == Self.resize && producer.purge.queue == Self.purge)
            #expect(producer.purge.declaredPolicy == Thumbnails.Method.Purge.descriptor.declaredPolicy)
            let worker = ThumbnailWorker()
            let fine = try await producer.resize.enqueue(.init(imageID: "cat", width: 128))
            let broken = try await producer.resize.enqueue(.init(imageID: "broken", width: 64))
            _ = try await producer.purge.enqueue(.init(key: "old"))
            #expect(fine != broken)
            try await harness.withWorker(worker.taskHandlers) { _ in
                #expect(
                    await eventually {
                        let resize = harness.broker.statistics[Self.resize]
                        let purge = harness.broker.statistics[Self.purge]
                        return resize?.acked == 1 && resize?.deadLettered == 1 && purge?.deadLettered == 1
                    }
                )
            }
            // max_attempts: the service's 4 for Resize, the method's own 2 for Purge.
            #expect(worker.seen("cat") == [1])
            #expect(worker.seen("broken") == [1, 2, 3, 4])
            #expect(worker.seen("purge:old") == [1, 2])
            // dead_letters: kept for Resize (the default), discarded for Purge.
            let admin = Zrpc_Queue_Admin.Client(wrapping: harness.client)
            let resizeDead = try await admin.listDeadLetters(.init(filter: .init(queue: Self.resize))).entries
            let purgeDead = try await admin.listDeadLetters(.init(filter: .init(queue: Self.purge))).entries
            #expect(resizeDead.map(\.taskID) == [broken.rawValue])
            #expect(resizeDead.first?.attempts == 4 && resizeDead.first?.reason == "attempts exhausted")
            #expect((resizeDead.first?.payloadBytes ?? 0) > 0)
            #expect(purgeDead.first?.attempts == 2 && purgeDead.first?.payloadBytes == 0)
        }
    }

    @Test("the broker's configuration overrides the declared policy, and the producer's options override both")
    func overrides() async throws {
        try await BrokerHarness.with(configure: {
            $0.queuePolicies[Self.resize] = TaskPolicy.Overrides(maxAttempts: 2)
        }) { harness in
            let producer = Thumbnails.Producer(client: harness.client)
            let worker = ThumbnailWorker()
            try await producer.resize.enqueue(.init(imageID: "broken", width: 1))
            try await producer.resize.enqueue(
                .init(imageID: "broken", width: 2),
                options: .init(idempotencyKey: "once", policy: .init(maxAttempts: 1))
            )
            try await harness.withWorker(worker.taskHandlers) { _ in
                #expect(await eventually { harness.broker.statistics[Self.resize]?.deadLettered == 2 })
            }
            #expect(worker.seen("broken").sorted() == [1, 1, 2])
        }
    }
}
