/// Where a broker keeps its tasks: the narrow surface a store implements, so that another store
/// (e.g. PostgreSQL shared by several brokers, taking tasks `FOR UPDATE SKIP LOCKED`) can slot in
/// without changing the broker or the wire.
///
/// Leases are not stored: after a restart every task that was not settled is ready again (at least
/// once), with the attempts recorded at its last failure.
protocol TaskStore: Sendable {
    /// Stores new tasks in one committed transaction. A task whose queue already holds its
    /// idempotency key is not stored; its result names the original task. Returns only once the
    /// transaction has committed, and throws (confirming nothing) when it did not.
    func enqueue(_ tasks: [QueuedTask]) async throws -> [StoredEnqueue]

    /// What the store knows of each schedule, by name.
    func scheduleRecords() async throws -> [String: ScheduleRecord]

    /// Records a schedule's new high-water mark and enqueues its fires, in one committed
    /// transaction (so a crash between the two cannot fire twice or skip a fire).
    func fire(schedule name: String, record: ScheduleRecord, tasks: [QueuedTask]) async throws -> [StoredEnqueue]

    /// Records settled tasks (acked, rescheduled, dead-lettered) in a coming transaction and returns
    /// at once; `finished` is told how the transaction ended. Calls commit in the order they are made.
    func record(_ settlements: [Settlement], finished: @escaping @Sendable ((any Error)?) -> Void)

    /// Returns once everything recorded before the call has committed (or failed).
    func flush() async

    /// Flushes, then closes the store, releasing its file for another broker.
    func close() async

    /// Every task not yet settled, for a broker that starts.
    func pendingTasks() async throws -> [QueuedTask]

    /// Per queue, how many tasks were acked and dead-lettered, over the store's life.
    func settledCounts() async throws -> [String: SettledCounts]

    /// Dead letters matching `filter`, oldest first, after `cursor`, at most `limit`.
    func deadLetters(matching filter: DeadLetterFilter, after cursor: String?, limit: Int) async throws -> [DeadLetter]

    /// Moves the dead letters matching `filter` back to their queues with fresh attempts (keeping
    /// their idempotency keys), at most `limit`, and returns them as they are now ready.
    func replay(matching filter: DeadLetterFilter, limit: Int, now: UnixMillis) async throws -> [QueuedTask]

    /// Deletes the dead letters matching `filter`; returns how many.
    func purge(matching filter: DeadLetterFilter) async throws -> Int

    /// Forgets acked tasks settled before `cutoff`, and with them their idempotency keys.
    func forgetAcked(before cutoff: UnixMillis) async throws -> Int
}

/// A schedule's state in the store.
struct ScheduleRecord: Hashable, Sendable {
    /// When the broker first ran the schedule: its first fire is the first instant after this.
    let createdAt: UnixMillis
    /// The latest instant fired or skipped.
    let lastFire: UnixMillis?
}

/// The outcome of one enqueue.
struct StoredEnqueue: Hashable, Sendable {
    /// The stored task's id: the original's for a duplicate.
    let taskID: String
    let duplicate: Bool
}

/// Acked and dead-lettered counts of one queue.
struct SettledCounts: Hashable, Sendable {
    var acked = 0
    var deadLettered = 0
}

/// A task in the dead-letter queue.
struct DeadLetter: Hashable, Sendable {
    let task: QueuedTask
    let reason: DeadLetterReason
    let deadLetteredAt: UnixMillis
}

/// Which dead letters an admin operation applies to; an empty field matches all.
struct DeadLetterFilter: Hashable, Sendable {
    var taskID: String?
    var queue: String?
    var reason: DeadLetterReason?
    /// Dead-lettered at or after this time.
    var since: UnixMillis?
    /// Dead-lettered before this time.
    var until: UnixMillis?
}
