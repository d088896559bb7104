import HeapModule
import ZRPC

/// Numbers a worker's session at the broker.
typealias WorkerID = UInt64

/// A delivered task and who holds it until when.
struct Lease: Hashable, Sendable {
    var task: QueuedTask
    let worker: WorkerID
    /// Numbers this delivery; answers to older deliveries of the task are ignored.
    let delivery: UInt64
    let expiresAt: UnixMillis
}

/// One queue's tasks and their delivery contract, as a value: ready tasks ordered by the time they
/// may run, leased tasks by id, and the counts that keep `enqueued = acked + deadLettered + ready +
/// leased` true. Every transition takes the time as an argument and returns what the store must
/// record, so tests drive it without clocks or sleeps.
struct TaskQueue: Sendable {
    /// A ready task's place: earliest `notBefore` first, then first enqueued.
    private struct Entry: Comparable {
        let notBefore: UnixMillis
        let sequence: UInt64
        let id: String
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.notBefore, lhs.sequence) < (rhs.notBefore, rhs.sequence)
        }
    }

    /// What ``take(worker:delivery:now:)`` found.
    enum Take: Hashable, Sendable {
        /// A task to deliver, now leased.
        case delivered(Lease)
        /// The first ready task's deadline had passed: dead-lettered, never run.
        case expired(Settlement)
        /// Nothing may run now; the next task may run at this time (`nil`: none waits).
        case empty(nextAt: UnixMillis?)
    }

    /// How a worker answered a delivery.
    enum Answer: Hashable, Sendable {
        case ack(result: [UInt8])
        case retryableFailure(error: String, retryAfter: Duration?)
        case permanentFailure(error: String)
    }

    struct Counts: Hashable, Sendable {
        var enqueued = 0
        var acked = 0
        var deadLettered = 0
        var ready = 0
        var leased = 0
    }

    let name: String
    private var heap = Heap<Entry>()
    private var ready: [String: QueuedTask] = [:]
    private(set) var leases: [String: Lease] = [:]
    private var sequence: UInt64 = 0
    private(set) var counts = Counts()

    init(name: String) {
        self.name = name
    }

    /// Adds a new task (or one loaded from the store after a restart).
    mutating func add(_ task: QueuedTask) {
        counts.enqueued += 1
        insertReady(task)
    }

    /// Puts back a dead-lettered task that an operator replays: it was counted as dead-lettered,
    /// and is now ready again.
    mutating func replay(_ task: QueuedTask) {
        counts.deadLettered -= 1
        insertReady(task)
    }

    /// Adds counts of tasks that were settled before a restart.
    mutating func restoreSettled(acked: Int, deadLettered: Int) {
        counts.enqueued += acked + deadLettered
        counts.acked += acked
        counts.deadLettered += deadLettered
    }

    /// Leases the first task that may run now to `worker`.
    mutating func take(worker: WorkerID, delivery: UInt64, now: UnixMillis) -> Take {
        guard let first = heap.min else { return .empty(nextAt: nil) }
        guard first.notBefore <= now else { return .empty(nextAt: first.notBefore) }
        heap.removeMin()
        guard var task = ready.removeValue(forKey: first.id) else {
            return take(worker: worker, delivery: delivery, now: now)
        }
        counts.ready -= 1
        if let deadline = task.deadline, deadline <= now {
            task.errors.append("the deadline passed before the task ran")
            counts.deadLettered += 1
            return .expired(.deadLettered(task, reason: .deadlineExceeded))
        }
        task.attempts += 1
        task.firstAttemptAt = task.firstAttemptAt ?? now
        task.lastAttemptAt = now
        let lease = Lease(task: task, worker: worker, delivery: delivery, expiresAt: now + task.policy.lease.unixMillis)
        leases[task.id] = lease
        counts.leased += 1
        return .delivered(lease)
    }

    /// Settles a delivery the worker answered; `nil` when the answer is for a delivery that is no
    /// longer current (its lease ran out, or the task was given to another worker).
    mutating func answer(
        _ answer: Answer,
        taskID: String,
        delivery: UInt64,
        now: UnixMillis,
        random: inout some RandomNumberGenerator
    ) -> Settlement? {
        guard let lease = leases[taskID], lease.delivery == delivery else { return nil }
        leases[taskID] = nil
        counts.leased -= 1
        switch answer {
        case .ack(let result):
            counts.acked += 1
            return .acked(lease.task, result: result)
        case .retryableFailure(let error, let retryAfter):
            return fail(lease.task, error: error, permanent: false, retryAfter: retryAfter, now: now, random: &random)
        case .permanentFailure(let error):
            return fail(lease.task, error: error, permanent: true, retryAfter: nil, now: now, random: &random)
        }
    }

    /// Fails every lease that has run out: the task is retried or dead-lettered as if it had failed.
    mutating func expireLeases(now: UnixMillis, random: inout some RandomNumberGenerator) -> [Settlement] {
        let expired = leases.values.filter { $0.expiresAt <= now }.sorted { $0.expiresAt < $1.expiresAt }
        return expired.map { lease in
            release(lease, error: "the lease ran out after \(lease.task.policy.lease)", now: now, random: &random)
        }
    }

    /// Fails every lease `worker` holds, at once: its session ended or it went silent.
    mutating func releaseLeases(
        of worker: WorkerID,
        now: UnixMillis,
        random: inout some RandomNumberGenerator
    ) -> [Settlement] {
        let held = leases.values.filter { $0.worker == worker }.sorted { $0.delivery < $1.delivery }
        return held.map { lease in release(lease, error: "the worker was lost", now: now, random: &random) }
    }

    /// The earliest time something changes on its own: a task may run or a lease runs out.
    var nextDue: UnixMillis? {
        let leaseExpiry = leases.values.lazy.map(\.expiresAt).min()
        switch (heap.min?.notBefore, leaseExpiry) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    private mutating func release(
        _ lease: Lease,
        error: String,
        now: UnixMillis,
        random: inout some RandomNumberGenerator
    ) -> Settlement {
        leases[lease.task.id] = nil
        counts.leased -= 1
        return fail(lease.task, error: error, permanent: false, retryAfter: nil, now: now, random: &random)
    }

    private mutating func fail(
        _ task: QueuedTask,
        error: String,
        permanent: Bool,
        retryAfter: Duration?,
        now: UnixMillis,
        random: inout some RandomNumberGenerator
    ) -> Settlement {
        var task = task
        task.errors.append(error)
        if permanent {
            counts.deadLettered += 1
            return .deadLettered(task, reason: .permanentError)
        }
        guard task.attempts < task.policy.maxAttempts else {
            counts.deadLettered += 1
            return .deadLettered(task, reason: .attemptsExhausted)
        }
        let backoff = task.policy.backoff.delay(forRetry: task.attempts, using: &random)
        task.notBefore = now + max(backoff.unixMillis, retryAfter?.unixMillis ?? 0)
        insertReady(task)
        return .rescheduled(task)
    }

    private mutating func insertReady(_ task: QueuedTask) {
        sequence += 1
        heap.insert(Entry(notBefore: task.notBefore, sequence: sequence, id: task.id))
        ready[task.id] = task
        counts.ready += 1
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up so a short positive wait is never zero.
    var unixMillis: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}
