import Foundation
import GRDB

/// A worker's idempotency ledger in SQLite: one row per **effect key** (`capture-payment/<order id>`,
/// `send-confirmation/<order id>`), written in the same transaction as the effect itself, so a task the
/// broker delivers twice (its worker died before the ack arrived, its lease ran out) has its effect once.
///
/// The effect of this example is a row in `effect_runs`, the log of what was done to the outside world
/// (money captured, mail sent), which has no uniqueness of its own: `duplicate_effects`, the number of
/// runs beyond the first per key, is `SELECT COUNT(*) - COUNT(DISTINCT effect_key) FROM effect_runs`, and
/// must be 0 (``summary()``). Every worker of a kind shares one ledger file (SQLite serialises their
/// transactions, so two workers running one key at once still have one effect between them).
///
/// ```swift
/// let ledger = try await EffectLedger(path: "payment-ledger.sqlite")
/// let performed = try await ledger.perform(
///     Effect(key: "capture-payment/ord-1", kind: "capture-payment", orderID: "ord-1", taskID: "t-9", amountCents: 2_500)
/// )
/// try await ledger.summary().duplicateEffects   // 0
/// ```
public final class EffectLedger: Sendable {
    /// What the ledger holds, for a test or a soak harness to check.
    public struct Summary: Hashable, Sendable {
        /// Distinct effect keys recorded: effects that happened.
        public var effects: Int
        /// Deliveries seen for those keys (redeliveries included).
        public var deliveries: Int
        /// Runs of an effect beyond its first: 0 unless an effect happened twice.
        public var duplicateEffects: Int

        /// Creates a summary (for comparing with one the ledger made).
        ///
        /// - Parameters:
        ///   - effects: Distinct effect keys.
        ///   - deliveries: Deliveries seen.
        ///   - duplicateEffects: Runs beyond the first.
        public init(effects: Int, deliveries: Int, duplicateEffects: Int) {
            self.effects = effects
            self.deliveries = deliveries
            self.duplicateEffects = duplicateEffects
        }
    }

    private let database: DatabaseQueue

    /// Opens (creating if needed) the ledger at `path`. Commits are synced (`synchronous` FULL): an effect
    /// recorded survives a power cut.
    ///
    /// - Parameter path: The SQLite file, shared by the workers of one kind.
    /// - Throws: The database's error when the file cannot be opened or created.
    public init(path: String) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try await Self.open(path: path, configuration: configuration)
        try await database.write { db in try Self.createSchema(db) }
    }

    /// Whether the effect with `key` has happened (a delivery may then skip its slow preparations).
    ///
    /// - Parameter key: The effect's key.
    public func contains(_ key: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM ledger WHERE effect_key = ?", arguments: [key]) ?? false
        }
    }

    /// Performs `effect` unless its key is in the ledger, and records it (or, when it was there, one more
    /// delivery) in one transaction.
    ///
    /// - Parameter effect: What to do, under which key.
    /// - Returns: Whether this call performed it (false: an earlier delivery had).
    /// - Throws: The database's error; then nothing was performed or recorded.
    @discardableResult
    public func perform(_ effect: Effect) async throws -> Bool {
        try await database.writeWithoutTransaction { db in
            var performed = false
            try db.inTransaction(.immediate) {
                let now = Int64(Date().timeIntervalSince1970 * 1_000)
                try db.execute(
                    sql: "UPDATE ledger SET deliveries = deliveries + 1 WHERE effect_key = ?",
                    arguments: [effect.key]
                )
                guard db.changesCount == 0 else { return .commit }
                try db.execute(
                    sql: """
                        INSERT INTO effect_runs (effect_key, kind, order_id, amount_cents, task_id, performed_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [effect.key, effect.kind, effect.orderID, effect.amountCents, effect.taskID, now]
                )
                try db.execute(
                    sql: """
                        INSERT INTO ledger (effect_key, kind, order_id, deliveries, first_task_id, performed_at)
                        VALUES (?, ?, ?, 1, ?, ?)
                        """,
                    arguments: [effect.key, effect.kind, effect.orderID, effect.taskID, now]
                )
                performed = true
                return .commit
            }
            return performed
        }
    }

    /// The orders whose effects this ledger recorded, each once (the soak harness checks that every
    /// one was issued).
    ///
    /// ```swift
    /// let unexpected = try await ledger.orderIDs().subtracting(issuedOrderIDs)
    /// ```
    public func orderIDs() async throws -> Set<String> {
        try await database.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT order_id FROM ledger"))
        }
    }

    /// Counts effects, deliveries and duplicate effects.
    public func summary() async throws -> Summary {
        try await database.read { db in
            let effects = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0
            let deliveries = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(deliveries), 0) FROM ledger") ?? 0
            let duplicates =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) - COUNT(DISTINCT effect_key) FROM effect_runs") ?? 0
            return Summary(effects: effects, deliveries: deliveries, duplicateEffects: duplicates)
        }
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS ledger (
                    effect_key TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    order_id TEXT NOT NULL,
                    deliveries INTEGER NOT NULL,
                    first_task_id TEXT NOT NULL,
                    performed_at INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS effect_runs (
                    effect_key TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    order_id TEXT NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    task_id TEXT NOT NULL,
                    performed_at INTEGER NOT NULL
                );
                """
        )
    }

    /// Opens the database on a thread of its own: opening may create and sync the file, which must not
    /// hold one of Swift's few cooperative threads meanwhile.
    private static func open(path: String, configuration: Configuration) async throws -> DatabaseQueue {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try DatabaseQueue(path: path, configuration: configuration) })
            }.start()
        }
    }
}
