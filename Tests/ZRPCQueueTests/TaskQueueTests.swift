import Testing
import ZRPC

@testable import ZRPCQueue

/// The per-queue delivery contract as a value: exact transitions at given times, no clocks.
@Suite("Task queue state machine")
struct TaskQueueTests {
    private func task(_ id: String, policy: TaskPolicy = TaskPolicy(), deadline: UnixMillis? = nil, at time: UnixMillis = 0) -> QueuedTask {
        QueuedTask(
            id: id, queue: "q", payload: [1], idempotencyKey: "key-\(id)", policy: policy,
            enqueuedAt: time, deadline: deadline, notBefore: time
        )
    }

    @Test("tasks are delivered in order and acked; the counts add up")
    func deliverAndAck() throws {
        var queue = TaskQueue(name: "q")
        var random = SystemRandomNumberGenerator()
        queue.add(task("a"))
        queue.add(task("b"))
        guard case .delivered(let first) = queue.take(worker: 1, delivery: 1, now: 10) else {
            Issue.record("nothing delivered")
            return
        }
        #expect(first.task.id == "a" && first.task.attempts == 1 && first.expiresAt == 30_010)
        #expect(queue.counts == .init(enqueued: 2, acked: 0, deadLettered: 0, ready: 1, leased: 1))
        let settled = queue.answer(.ack(result: [9]), taskID: "a", delivery: 1, now: 20, random: &random)
        #expect(settled == .acked(first.task, result: [9]))
        #expect(queue.counts == .init(enqueued: 2, acked: 1, deadLettered: 0, ready: 1, leased: 0))
        // A second answer to the same delivery changes nothing.
        #expect(queue.answer(.ack(result: []), taskID: "a", delivery: 1, now: 21, random: &random) == nil)
    }
}
