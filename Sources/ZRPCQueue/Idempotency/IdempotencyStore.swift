import Foundation
public import GRDB
public import ProtobufC

/// Effects that run once per idempotency key, in SQLite: a handler records its side effect and its
/// result under the task's key in one transaction, so a task delivered twice (its worker died
/// before the ack reached the broker, its lease ran out) has its effect once, and the second
/// delivery gets the first one's result.
///
/// ```swift
/// let store = try await IdempotencyStore(path: "/var/lib/app/effects.sqlite")
/// TaskHandler(queue: "billing.Invoices/Charge", as: Billing_Charge.self) { charge, context in
///     try await store.perform(key: context.idempotencyKey) { db in
///         try db.execute(sql: "INSERT INTO charges (account, cents) VALUES (?, ?)",
///                        arguments: [charge.account, charge.cents])
///         return []
///     }
/// }
/// ```
///
/// Several processes may share one file: transactions are serialised by SQLite, so two workers
/// running the same key at once still have one effect between them.
public final class IdempotencyStore: Sendable {
    /// What ``perform(key:_:)`` did.
    public struct Outcome: Hashable, Sendable {
        /// The effect's result: this run's, or the first run's when it ran before.
        public let result: [UInt8]
        /// The key had run before: the effect was not run again.
        public let replayed: Bool
    }

    private let database: DatabaseQueue

    /// Opens (creating if needed) a store at `path`; `synchronous` FULL makes each recorded effect
    /// survive a power cut.
    ///
    /// - Throws: The database's error when the file cannot be opened or created.
    public init(path: String, synchronousFull: Bool = true) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = \(synchronousFull ? "FULL" : "NORMAL")")
        }
        database = try await openDatabase(path: path, configuration: configuration)
        try await database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS zrpc_idempotency (
                        key TEXT PRIMARY KEY,
                        result BLOB NOT NULL,
                        recorded_at INTEGER NOT NULL
                    )
                    """
            )
        }
    }

    /// Runs `effect` in a transaction and records its result under `key` in the same transaction,
    /// unless `key` was recorded before: then returns the recorded result without running it.
    ///
    /// - Parameters:
    ///   - key: The idempotency key (a task's ``TaskContext/idempotencyKey``).
    ///   - effect: Writes the side effect through `db` and returns the result to keep.
    /// - Throws: What `effect` threw (nothing is recorded then), or the database's error.
    @discardableResult
    public func perform(key: String, _ effect: @escaping @Sendable (Database) throws -> [UInt8]) async throws -> Outcome
    {
        try await database.writeWithoutTransaction { db in
            var outcome: Outcome?
            try db.inTransaction(.immediate) {
                if let recorded = try Data.fetchOne(
                    db,
                    sql: "SELECT result FROM zrpc_idempotency WHERE key = ?",
                    arguments: [key]
                ) {
                    outcome = Outcome(result: [UInt8](recorded), replayed: true)
                    return .commit
                }
                let result = try effect(db)
                try db.execute(
                    sql: "INSERT INTO zrpc_idempotency (key, result, recorded_at) VALUES (?, ?, ?)",
                    arguments: [key, Data(result), Int64(Date().timeIntervalSince1970 * 1_000)]
                )
                outcome = Outcome(result: result, replayed: false)
                return .commit
            }
            return outcome ?? Outcome(result: [], replayed: false)
        }
    }

    /// Like ``perform(key:_:)``, with the result a protobuf message.
    public func perform<Result: ProtobufMessage>(
        key: String,
        returning type: Result.Type,
        _ effect: @escaping @Sendable (Database) throws -> Result
    ) async throws -> Result {
        let outcome = try await perform(key: key) { db in try effect(db).serializedBytes() }
        return try Result(serializedBytes: outcome.result)
    }

    /// The result recorded under `key`, if any.
    public func result(for key: String) async throws -> [UInt8]? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT result FROM zrpc_idempotency WHERE key = ?", arguments: [key]).map {
                [UInt8]($0)
            }
        }
    }

    /// Records `result` under `key` unless a result is recorded there already; returns the one kept.
    public func record(_ result: [UInt8], for key: String) async throws -> [UInt8] {
        try await perform(key: key) { _ in result }.result
    }

    /// Reads the store's database (e.g. the tables a handler's effects write).
    public func read<Value: Sendable>(_ body: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        try await database.read(body)
    }

    /// Forgets keys recorded before `date`; returns how many.
    @discardableResult
    public func forget(recordedBefore date: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: "DELETE FROM zrpc_idempotency WHERE recorded_at < ?",
                arguments: [Int64(date.timeIntervalSince1970 * 1_000)]
            )
            return db.changesCount
        }
    }
}
