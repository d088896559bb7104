import Foundation
import GRDB
import ZRPC

/// The broker's store in one SQLite file in WAL mode, through GRDB: enqueues and settlements that
/// arrive together share one transaction and one sync (``GroupCommitter``).
final class SQLiteTaskStore: TaskStore {
    /// `PRAGMA synchronous`: how hard a commit waits for the disk.
    enum Synchronous: String, Hashable, Sendable, CaseIterable {
        /// Every commit reaches the disk before it is confirmed: nothing confirmed is lost, even to a
        /// power cut.
        case full = "FULL"
        /// WAL commits reach the disk at checkpoints: a process crash loses nothing, a power cut may
        /// lose the last commits.
        case normal = "NORMAL"
    }

    private enum State: Int {
        case ready = 0
        case acked = 1
        case deadLettered = 2
    }

    private let database: DatabaseQueue
    private let committer: GroupCommitter

    /// Opens (creating if needed) the store at `path`.
    /// - Parameters:
    ///   - maxBytes: The largest the database may grow; a write beyond it fails as a full disk does.
    init(path: String, synchronous: Synchronous = .full, maxBytes: Int? = nil) async throws {
        var configuration = Configuration()
        // A broker restarting after a crash may find the old process's lock for a moment.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // One broker per file: a second one would deliver the same tasks. The lock is held
            // until the connection closes (or the process dies).
            _ = try String.fetchOne(db, sql: "PRAGMA locking_mode = EXCLUSIVE")
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
            if let maxBytes {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(max(maxBytes / pageSize, 1))")
            }
        }
        database = try await openDatabase(path: path, configuration: configuration)
        // On GRDB's writer queue: creating the file syncs it, which must not hold a cooperative thread.
        try await database.write { db in try Self.createSchema(db) }
        committer = GroupCommitter(database: database)
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS tasks (
                    id TEXT PRIMARY KEY,
                    queue TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    backoff_initial_ms INTEGER NOT NULL,
                    backoff_max_ms INTEGER NOT NULL,
                    backoff_multiplier REAL NOT NULL,
                    lease_ms INTEGER NOT NULL,
                    keep_dead_letters INTEGER NOT NULL,
                    enqueued_at INTEGER NOT NULL,
                    deadline INTEGER,
                    not_before INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    errors TEXT NOT NULL DEFAULT '[]',
                    first_attempt_at INTEGER,
                    last_attempt_at INTEGER,
                    state INTEGER NOT NULL DEFAULT 0,
                    settled_at INTEGER,
                    reason TEXT,
                    result BLOB,
                    UNIQUE (queue, idempotency_key)
                );
                CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (state, settled_at);
                CREATE TABLE IF NOT EXISTS schedules (
                    name TEXT PRIMARY KEY,
                    created_at INTEGER NOT NULL,
                    last_fire INTEGER
                );
                CREATE TABLE IF NOT EXISTS settled_counts (
                    queue TEXT PRIMARY KEY,
                    acked INTEGER NOT NULL DEFAULT 0,
                    dead_lettered INTEGER NOT NULL DEFAULT 0
                );
                """
        )
    }

    func enqueue(_ tasks: [QueuedTask]) async throws -> [StoredEnqueue] {
        try await committer.commit { db in try tasks.map { try Self.insert($0, db) } }
    }

    /// Transactions committed so far and the jobs they held.
    var commitStatistics: CommitStatistics { committer.statistics }

    func scheduleRecords() async throws -> [String: ScheduleRecord] {
        try await database.read { db in
            var records: [String: ScheduleRecord] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, created_at, last_fire FROM schedules") {
                records[row["name"]] = ScheduleRecord(createdAt: row["created_at"], lastFire: row["last_fire"])
            }
            return records
        }
    }

    func fire(schedule name: String, record: ScheduleRecord, tasks: [QueuedTask]) async throws -> [StoredEnqueue] {
        try await committer.commit { db in
            try db.execute(
                sql: """
                    INSERT INTO schedules (name, created_at, last_fire) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET last_fire = excluded.last_fire
                    """,
                arguments: [name, record.createdAt, record.lastFire]
            )
            return try tasks.map { try Self.insert($0, db) }
        }
    }

    func record(_ settlements: [Settlement], finished: @escaping @Sendable ((any Error)?) -> Void) {
        guard !settlements.isEmpty else { return finished(nil) }
        committer.submit { db in
            for settlement in settlements { try Self.apply(settlement, db) }
        } finish: { result in
            if case .failure(let error) = result { finished(error) } else { finished(nil) }
        }
    }

    func flush() async {
        _ = try? await committer.commit { _ in true }
    }

    func close() async {
        await flush()
        try? database.close()
    }

    func pendingTasks() async throws -> [QueuedTask] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tasks WHERE state = 0 ORDER BY not_before, rowid").map(Self.task)
        }
    }

    func settledCounts() async throws -> [String: SettledCounts] {
        try await database.read { db in
            var counts: [String: SettledCounts] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT queue, acked, dead_lettered FROM settled_counts") {
                counts[row["queue"]] = SettledCounts(acked: row["acked"], deadLettered: row["dead_lettered"])
            }
            return counts
        }
    }

    func deadLetters(matching filter: DeadLetterFilter, after cursor: String?, limit: Int) async throws -> [DeadLetter]
    {
        try await database.read { db in
            var (clause, arguments) = Self.whereClause(filter)
            if let cursor {
                clause += " AND rowid > (SELECT rowid FROM tasks WHERE id = ?)"
                arguments += [cursor]
            }
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM tasks WHERE \(clause) ORDER BY rowid LIMIT ?",
                arguments: arguments
            ).map { row in
                DeadLetter(
                    task: try Self.task(row),
                    reason: DeadLetterReason(rawValue: row["reason"] ?? "") ?? .attemptsExhausted,
                    deadLetteredAt: row["settled_at"] ?? 0
                )
            }
        }
    }

    func replay(matching filter: DeadLetterFilter, limit: Int, now: UnixMillis) async throws -> [QueuedTask] {
        try await committer.commit { db in
            let (clause, arguments) = Self.whereClause(filter)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT id, queue FROM tasks WHERE \(clause) ORDER BY rowid LIMIT ?",
                arguments: arguments + [limit]
            )
            var replayed: [QueuedTask] = []
            for row in rows {
                let id: String = row["id"]
                try db.execute(
                    sql: """
                        UPDATE tasks SET state = 0, attempts = 0, errors = '[]', not_before = ?, settled_at = NULL,
                        reason = NULL, first_attempt_at = NULL, last_attempt_at = NULL WHERE id = ?
                        """,
                    arguments: [now, id]
                )
                try db.execute(
                    sql: "UPDATE settled_counts SET dead_lettered = dead_lettered - 1 WHERE queue = ?",
                    arguments: [row["queue"] as String]
                )
                if let task = try Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE id = ?", arguments: [id]) {
                    replayed.append(try Self.task(task))
                }
            }
            return replayed
        }
    }

    func purge(matching filter: DeadLetterFilter) async throws -> Int {
        try await committer.commit { db in
            let (clause, arguments) = Self.whereClause(filter)
            try db.execute(sql: "DELETE FROM tasks WHERE \(clause)", arguments: arguments)
            return db.changesCount
        }
    }

    func forgetAcked(before cutoff: UnixMillis) async throws -> Int {
        try await committer.commit { db in
            try db.execute(sql: "DELETE FROM tasks WHERE state = 1 AND settled_at < ?", arguments: [cutoff])
            return db.changesCount
        }
    }

    // MARK: Rows

    // Every statement below runs once per task or settlement: each is prepared once per connection
    // (`cachedStatement`), not parsed again for every row.

    private static func insert(_ task: QueuedTask, _ db: Database) throws -> StoredEnqueue {
        let policy = task.policy
        // A task whose queue already holds its key is not stored: the insert does nothing, and the
        // original's id is looked up (the common case, a new key, costs one statement).
        try db.cachedStatement(
            sql: """
                INSERT INTO tasks (id, queue, idempotency_key, payload, max_attempts, backoff_initial_ms, backoff_max_ms,
                backoff_multiplier, lease_ms, keep_dead_letters, enqueued_at, deadline, not_before)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (queue, idempotency_key) DO NOTHING
                """
        ).execute(
            arguments: [
                task.id, task.queue, task.idempotencyKey, Data(task.payload), policy.maxAttempts,
                policy.backoff.initial.unixMillis, policy.backoff.maximum.unixMillis, policy.backoff.multiplier,
                policy.lease.unixMillis, policy.keepsDeadLetters, task.enqueuedAt, task.deadline, task.notBefore,
            ]
        )
        if db.changesCount > 0 { return StoredEnqueue(taskID: task.id, duplicate: false) }
        guard
            let existing = try String.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM tasks WHERE queue = ? AND idempotency_key = ?"),
                arguments: [task.queue, task.idempotencyKey]
            )
        else {
            throw StoreInconsistency(message: "task \(task.id) was neither stored nor found by its idempotency key")
        }
        return StoredEnqueue(taskID: existing, duplicate: true)
    }

    private static func apply(_ settlement: Settlement, _ db: Database) throws {
        let task = settlement.task
        let errors = task.errors.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(task.errors), as: UTF8.self)
        let progress: StatementArguments = [
            task.attempts, errors, task.firstAttemptAt, task.lastAttemptAt, task.notBefore,
        ]
        let setProgress = "attempts = ?, errors = ?, first_attempt_at = ?, last_attempt_at = ?, not_before = ?"
        switch settlement {
        case .acked(_, let result):
            try db.cachedStatement(
                sql: "UPDATE tasks SET \(setProgress), state = 1, settled_at = ?, result = ? WHERE id = ? AND state = 0"
            ).execute(arguments: progress + [task.lastAttemptAt ?? 0, Data(result), task.id])
            try count(queue: task.queue, column: "acked", changed: db.changesCount, db)
        case .rescheduled:
            try db.cachedStatement(sql: "UPDATE tasks SET \(setProgress) WHERE id = ? AND state = 0")
                .execute(arguments: progress + [task.id])
        case .deadLettered(_, let reason):
            let payload = task.policy.keepsDeadLetters ? "payload" : "X''"
            try db.cachedStatement(
                sql: """
                    UPDATE tasks SET \(setProgress), state = 2, settled_at = ?, reason = ?, payload = \(payload)
                    WHERE id = ? AND state = 0
                    """
            ).execute(arguments: progress + [task.lastAttemptAt ?? task.notBefore, reason.rawValue, task.id])
            try count(queue: task.queue, column: "dead_lettered", changed: db.changesCount, db)
        }
    }

    private static func count(queue: String, column: String, changed: Int, _ db: Database) throws {
        guard changed > 0 else { return }
        try db.cachedStatement(
            sql: """
                INSERT INTO settled_counts (queue, \(column)) VALUES (?, ?)
                ON CONFLICT (queue) DO UPDATE SET \(column) = \(column) + excluded.\(column)
                """
        ).execute(arguments: [queue, changed])
    }

    private static func task(_ row: Row) throws -> QueuedTask {
        let errorsJSON: String = row["errors"] ?? "[]"
        let errors = (try? JSONDecoder().decode([String].self, from: Data(errorsJSON.utf8))) ?? []
        let payload: Data = row["payload"] ?? Data()
        var task = QueuedTask(
            id: row["id"],
            queue: row["queue"],
            payload: [UInt8](payload),
            idempotencyKey: row["idempotency_key"],
            policy: TaskPolicy(
                maxAttempts: row["max_attempts"],
                backoff: Backoff(
                    initial: .milliseconds(row["backoff_initial_ms"] as Int64),
                    maximum: .milliseconds(row["backoff_max_ms"] as Int64),
                    multiplier: row["backoff_multiplier"]
                ),
                lease: .milliseconds(row["lease_ms"] as Int64),
                keepsDeadLetters: row["keep_dead_letters"]
            ),
            enqueuedAt: row["enqueued_at"],
            deadline: row["deadline"],
            notBefore: row["not_before"]
        )
        task.attempts = row["attempts"]
        task.errors = errors
        task.firstAttemptAt = row["first_attempt_at"]
        task.lastAttemptAt = row["last_attempt_at"]
        return task
    }

    private static func whereClause(_ filter: DeadLetterFilter) -> (String, StatementArguments) {
        var clause = "state = 2"
        var arguments: StatementArguments = []
        if let id = filter.taskID {
            clause += " AND id = ?"
            arguments += [id]
        }
        if let queue = filter.queue {
            clause += " AND queue = ?"
            arguments += [queue]
        }
        if let reason = filter.reason {
            clause += " AND reason = ?"
            arguments += [reason.rawValue]
        }
        if let since = filter.since {
            clause += " AND settled_at >= ?"
            arguments += [since]
        }
        if let until = filter.until {
            clause += " AND settled_at < ?"
            arguments += [until]
        }
        return (clause, arguments)
    }
}
