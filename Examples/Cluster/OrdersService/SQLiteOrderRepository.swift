import Foundation
import GRDB

/// The orders service's ``OrderRepository`` in one SQLite file in WAL mode, through GRDB. Commits are
/// synced (`synchronous` FULL): an order the service answered for survives a power cut, and so does the
/// outbox entry (its status) that says its tasks are still to be queued.
///
/// ```swift
/// let repository = try await SQLiteOrderRepository(path: "orders.sqlite")
/// let pending = try await repository.ordersAwaitingTasks(limit: 100)
/// ```
public final class SQLiteOrderRepository: OrderRepository {
    private let database: DatabaseQueue

    /// Opens the database at `path`, creating it when it is new.
    ///
    /// - Parameter path: The SQLite file.
    /// - Throws: The database's error when the file cannot be opened or created.
    public init(path: String) async throws {
        var configuration = Configuration()
        // Several processes may share the file; a writer waits for another's lock instead of failing.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try await Self.open(path: path, configuration: configuration)
        // On GRDB's writer queue: creating the file syncs it, which must not hold a cooperative thread.
        try await database.write { db in try Self.createSchema(db) }
    }

    /// Stores the order unless its key is taken, in one write transaction.
    public func insert(_ order: Order, idempotencyKey: String) async throws -> (order: Order, inserted: Bool) {
        try await database.write { db in
            if let existing = try Self.fetchOne(db, where: "idempotency_key = ?", idempotencyKey) {
                return (existing, false)
            }
            try db.execute(
                sql: """
                    INSERT INTO orders (id, idempotency_key, status, sku, quantity, total_cents, customer_email,
                                        card_token, placed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    order.id, idempotencyKey, order.status.rawValue, order.sku, order.quantity, order.totalCents,
                    order.customerEmail, order.cardToken, Int64(Date().timeIntervalSince1970 * 1_000),
                ]
            )
            return (order, true)
        }
    }

    /// The order with `id`, or nil.
    public func order(id: String) async throws -> Order? {
        try await database.read { db in try Self.fetchOne(db, where: "id = ?", id) }
    }

    /// The order placed under the key, or nil.
    public func order(idempotencyKey: String) async throws -> Order? {
        try await database.read { db in try Self.fetchOne(db, where: "idempotency_key = ?", idempotencyKey) }
    }

    /// Sets the order's status to queued.
    public func markQueued(id: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE orders SET status = ? WHERE id = ?",
                arguments: [Order.Status.queued.rawValue, id]
            )
        }
    }

    /// Placed orders, oldest first.
    public func ordersAwaitingTasks(limit: Int) async throws -> [Order] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.columns) FROM orders WHERE status = ? ORDER BY placed_at, rowid LIMIT ?",
                arguments: [Order.Status.placed.rawValue, limit]
            ).compactMap(Self.order)
        }
    }

    /// Orders by status, in one query.
    public func countsByStatus() async throws -> [Order.Status: Int] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS count FROM orders GROUP BY status")
                .reduce(into: [:]) { counts, row in
                    if let status = Order.Status(rawValue: row["status"]) { counts[status] = row["count"] }
                }
        }
    }

    private static let columns = "id, status, sku, quantity, total_cents, customer_email, card_token"

    private static func fetchOne(_ db: Database, where condition: String, _ value: String) throws -> Order? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM orders WHERE \(condition)", arguments: [value])
            .flatMap(order)
    }

    /// The order in `row`; nil for a status this version does not know (the table's CHECK allows none).
    private static func order(_ row: Row) -> Order? {
        guard let status = Order.Status(rawValue: row["status"]) else { return nil }
        return Order(
            id: row["id"],
            status: status,
            sku: row["sku"],
            quantity: row["quantity"],
            totalCents: row["total_cents"],
            customerEmail: row["customer_email"],
            cardToken: row["card_token"]
        )
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS orders (
                    id TEXT PRIMARY KEY,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL CHECK (status IN ('placed', 'queued')),
                    sku TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
                    customer_email TEXT NOT NULL,
                    card_token TEXT NOT NULL,
                    placed_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS orders_awaiting_tasks ON orders (placed_at) WHERE status = 'placed';
                """
        )
    }

    /// Opens the database on a thread of its own: opening runs the pragmas and may create and sync the
    /// file, which must not hold one of Swift's few cooperative threads meanwhile.
    private static func open(path: String, configuration: Configuration) async throws -> DatabaseQueue {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try DatabaseQueue(path: path, configuration: configuration) })
            }.start()
        }
    }
}
