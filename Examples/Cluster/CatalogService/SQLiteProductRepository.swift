import Foundation
import GRDB

/// The catalog's ``ProductRepository`` in one SQLite file in WAL mode, through GRDB; a new (empty)
/// database is seeded with ``seedProducts``.
///
/// ```swift
/// let repository = try await SQLiteProductRepository(path: "catalog.sqlite")
/// let products = try await repository.allProducts()
/// ```
public final class SQLiteProductRepository: ProductRepository {
    /// What a new database starts with.
    public static let seedProducts = [
        CatalogProduct(sku: "SKU-1001", name: "Enamel mug", priceCents: 1_250),
        CatalogProduct(sku: "SKU-1002", name: "Pour-over kettle", priceCents: 4_900),
        CatalogProduct(sku: "SKU-1003", name: "Ceramic dripper", priceCents: 2_200),
        CatalogProduct(sku: "SKU-1004", name: "Paper filters (100)", priceCents: 650),
        CatalogProduct(sku: "SKU-1005", name: "Hand grinder", priceCents: 8_900),
    ]

    private let database: DatabaseQueue

    /// Opens the database at `path`, creating and seeding it when it is new.
    ///
    /// - Parameter path: The SQLite file.
    /// - Throws: The database's error when the file cannot be opened, created or seeded.
    public init(path: String) async throws {
        var configuration = Configuration()
        // Several catalog processes may share the file (WAL lets readers run beside the one writer);
        // a writer waits for another's write lock instead of failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            // Commits reach the disk at checkpoints: a process crash loses nothing, a power cut may
            // lose the last price changes (a catalog's prices can be set again; orders will sync fully).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try await Self.open(path: path, configuration: configuration)
        // On GRDB's writer queue: creating the file syncs it, which must not hold a cooperative thread.
        try await database.write { db in
            try Self.createSchema(db)
            try Self.seedIfEmpty(db)
        }
    }

    /// The product with `sku`, or nil.
    public func product(sku: String) async throws -> CatalogProduct? {
        try await database.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT sku, name, price_cents, version FROM products WHERE sku = ?",
                arguments: [sku]
            ).map(Self.product)
        }
    }

    /// Every product, ordered by sku.
    public func allProducts() async throws -> [CatalogProduct] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT sku, name, price_cents, version FROM products ORDER BY sku")
                .map(Self.product)
        }
    }

    /// Changes the product with `sku` in one write transaction.
    public func update(
        sku: String,
        _ change: @escaping @Sendable (inout CatalogProduct) throws -> Void
    ) async throws
        -> CatalogProduct?
    {
        try await database.write { db in
            guard
                var product = try Row.fetchOne(
                    db,
                    sql: "SELECT sku, name, price_cents, version FROM products WHERE sku = ?",
                    arguments: [sku]
                ).map(Self.product)
            else { return nil }
            try change(&product)
            try db.execute(
                sql: "UPDATE products SET name = ?, price_cents = ?, version = ? WHERE sku = ?",
                arguments: [product.name, product.priceCents, product.version, sku]
            )
            return product
        }
    }

    private static func product(_ row: Row) -> CatalogProduct {
        CatalogProduct(sku: row["sku"], name: row["name"], priceCents: row["price_cents"], version: row["version"])
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS products (
                    sku TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
                    version INTEGER NOT NULL
                )
                """
        )
    }

    private static func seedIfEmpty(_ db: Database) throws {
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products") == 0 else { return }
        for product in seedProducts {
            try db.execute(
                sql: "INSERT INTO products (sku, name, price_cents, version) VALUES (?, ?, ?, ?)",
                arguments: [product.sku, product.name, product.priceCents, product.version]
            )
        }
    }

    /// Opens the database on a thread of its own: opening runs the pragmas and may create and sync
    /// the file, which must not hold one of Swift's few cooperative threads meanwhile.
    private static func open(path: String, configuration: Configuration) async throws -> DatabaseQueue {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try DatabaseQueue(path: path, configuration: configuration) })
            }.start()
        }
    }
}
