import Testing
import ZRPC

@testable import ZRPCQueue

/// The per-queue delivery contract as a value: exact transitions at given times, no clocks.
@Suite("Task queue state machine")
struct TaskQueueTests {
    /// Backoff ceilings 100, 200, 400 ms; a seeded generator picks within them.
    private static let policy = TaskPolicy(
        maxAttempts: 3,
        backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2),
        lease: .seconds(30)
    )

    private func task(_ id: String, deadline: UnixMillis? = nil, at time: UnixMillis = 0) -> QueuedTask {
        QueuedTask(
            id: id,
            queue: "q",
            payload: [1],
            idempotencyKey: "key-\(id)",
            policy: Self.policy,
            enqueuedAt: time,
            deadline: deadline,
            notBefore: time
        )
    }

    private func delivered(_ take: TaskQueue.Take) throws -> Lease {
        guard case .delivered(let lease) = take else { throw Failure("expected a delivery, got \(take)") }
        return lease
    }

    private func total(_ counts: TaskQueue.Counts) -> Int {
        counts.acked + counts.deadLettered + counts.ready + counts.leased
    }

    @Test("tasks are delivered in order and acked; the counts add up")
    func deliverAndAck() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 1)
        queue.add(task("a"))
        queue.add(task("b"))
        let first = try delivered(queue.take(worker: 1, delivery: 1, now: 10))
        #expect(first.task.id == "a" && first.task.attempts == 1 && first.expiresAt == 30_010)
        #expect(queue.counts == .init(enqueued: 2, acked: 0, deadLettered: 0, ready: 1, leased: 1))
        let settled = queue.answer(.ack(result: [9]), taskID: "a", delivery: 1, now: 20, random: &random)
        #expect(settled == .acked(first.task, result: [9]))
        #expect(queue.counts == .init(enqueued: 2, acked: 1, deadLettered: 0, ready: 1, leased: 0))
        // A second answer to the same delivery changes nothing.
        #expect(queue.answer(.ack(result: []), taskID: "a", delivery: 1, now: 21, random: &random) == nil)
        #expect(try delivered(queue.take(worker: 2, delivery: 2, now: 30)).task.id == "b")
        #expect(queue.take(worker: 2, delivery: 3, now: 30) == .empty(nextAt: nil))
        #expect(queue.nextDue == 30_030, "b's lease runs out")
    }

    @Test("a retryable failure comes back after a jittered backoff; the last attempt's failure dead-letters")
    func retriesThenDeadLetters() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 7)
        queue.add(task("a"))
        var now: UnixMillis = 0
        for attempt in 1...3 {
            let lease = try delivered(queue.take(worker: 1, delivery: UInt64(attempt), now: now))
            #expect(lease.task.attempts == attempt)
            let settled = queue.answer(
                .retryableFailure(error: "boom \(attempt)", retryAfter: nil),
                taskID: "a",
                delivery: UInt64(attempt),
                now: now,
                random: &random
            )
            if attempt < 3 {
                guard case .rescheduled(let rescheduled) = settled else {
                    Issue.record("attempt \(attempt): \(String(describing: settled))")
                    return
                }
                // Full jitter: somewhere between now and the ceiling of this retry.
                let ceiling: UnixMillis = attempt == 1 ? 100 : 200
                #expect(rescheduled.notBefore >= now && rescheduled.notBefore <= now + ceiling)
                if rescheduled.notBefore > now {
                    let early = queue.take(worker: 1, delivery: 99, now: rescheduled.notBefore - 1)
                    #expect(early == .empty(nextAt: rescheduled.notBefore))
                }
                now = rescheduled.notBefore
            } else {
                guard case .deadLettered(let dead, .attemptsExhausted) = settled else {
                    Issue.record("last attempt: \(String(describing: settled))")
                    return
                }
                #expect(dead.errors == ["boom 1", "boom 2", "boom 3"])
                #expect(dead.attempts == 3 && dead.firstAttemptAt == 0 && dead.lastAttemptAt == now)
            }
        }
        #expect(queue.counts == .init(enqueued: 1, acked: 0, deadLettered: 1, ready: 0, leased: 0))
    }

    @Test("a worker's retry-after wins over a shorter backoff")
    func retryAfter() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 3)
        queue.add(task("a"))
        _ = try delivered(queue.take(worker: 1, delivery: 1, now: 0))
        let settled = queue.answer(
            .retryableFailure(error: "busy", retryAfter: .seconds(5)),
            taskID: "a",
            delivery: 1,
            now: 0,
            random: &random
        )
        #expect(settled?.task.notBefore == 5_000)
    }

    @Test("a permanent failure dead-letters at once, whatever attempts are left")
    func permanent() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 3)
        queue.add(task("a"))
        _ = try delivered(queue.take(worker: 1, delivery: 1, now: 0))
        let settled = queue.answer(
            .permanentFailure(error: "bad input"),
            taskID: "a",
            delivery: 1,
            now: 5,
            random: &random
        )
        guard case .deadLettered(let dead, .permanentError) = settled else {
            Issue.record("\(String(describing: settled))")
            return
        }
        #expect(dead.errors == ["bad input"] && dead.attempts == 1)
    }

    @Test("a lease that runs out counts as a failed attempt; the late answer is ignored")
    func leaseExpiry() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 5)
        queue.add(task("a"))
        let lease = try delivered(queue.take(worker: 1, delivery: 1, now: 0))
        #expect(queue.nextDue == lease.expiresAt)
        #expect(queue.expireLeases(now: lease.expiresAt - 1, random: &random).isEmpty)
        let expired = queue.expireLeases(now: lease.expiresAt, random: &random)
        #expect(expired.count == 1)
        guard case .rescheduled(let again) = expired.first else {
            Issue.record("\(expired)")
            return
        }
        #expect(again.errors == ["the lease ran out after 30.0 seconds"])
        #expect(queue.answer(.ack(result: []), taskID: "a", delivery: 1, now: 30_001, random: &random) == nil)
        let second = try delivered(queue.take(worker: 2, delivery: 2, now: again.notBefore))
        #expect(second.task.attempts == 2 && second.worker == 2)
    }

    @Test("a lost worker's leases return at once, and only its own")
    func workerLost() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 5)
        for id in ["a", "b", "c"] { queue.add(task(id)) }
        _ = try delivered(queue.take(worker: 1, delivery: 1, now: 0))
        _ = try delivered(queue.take(worker: 2, delivery: 2, now: 0))
        _ = try delivered(queue.take(worker: 1, delivery: 3, now: 0))
        let released = queue.releaseLeases(of: 1, now: 100, random: &random)
        #expect(released.map(\.task.id) == ["a", "c"])
        #expect(released.allSatisfy { $0.task.errors == ["the worker was lost"] })
        #expect(queue.leases.keys.sorted() == ["b"])
        #expect(queue.counts.ready == 2 && total(queue.counts) == queue.counts.enqueued)
    }

    @Test("a task whose deadline has passed is dead-lettered, never delivered")
    func deadline() throws {
        var queue = TaskQueue(name: "q")
        queue.add(task("late", deadline: 50))
        queue.add(task("fine", deadline: 500))
        guard case .expired(.deadLettered(let dead, .deadlineExceeded)) = queue.take(worker: 1, delivery: 1, now: 50)
        else {
            Issue.record("the late task was not dead-lettered")
            return
        }
        #expect(dead.id == "late" && dead.attempts == 0)
        #expect(try delivered(queue.take(worker: 1, delivery: 2, now: 50)).task.id == "fine")
        #expect(queue.counts == .init(enqueued: 2, acked: 0, deadLettered: 1, ready: 0, leased: 1))
    }

    @Test("the invariant holds through a random mix of transitions")
    func invariant() throws {
        var queue = TaskQueue(name: "q")
        var random = SeededRandom(seed: 11)
        var now: UnixMillis = 0
        var delivery: UInt64 = 0
        for step in 0..<5_000 {
            now += UnixMillis.random(in: 0...50, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: queue.add(task("t\(step)", deadline: Bool.random(using: &random) ? now + 2_000 : nil, at: now))
            case 1, 2:
                delivery += 1
                _ = queue.take(worker: UInt64.random(in: 1...3, using: &random), delivery: delivery, now: now)
            case 3:
                if let lease = queue.leases.values.randomElement(using: &random) {
                    let answer: TaskQueue.Answer =
                        [
                            .ack(result: []), .retryableFailure(error: "e", retryAfter: nil),
                            .permanentFailure(error: "p"),
                        ].randomElement(using: &random) ?? .ack(result: [])
                    #expect(
                        queue.answer(answer, taskID: lease.task.id, delivery: lease.delivery, now: now, random: &random)
                            != nil
                    )
                }
            case 4: _ = queue.expireLeases(now: now + 30_000, random: &random)
            default: _ = queue.releaseLeases(of: UInt64.random(in: 1...3, using: &random), now: now, random: &random)
            }
            #expect(total(queue.counts) == queue.counts.enqueued, "step \(step)")
            #expect(queue.counts.leased == queue.leases.count)
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
