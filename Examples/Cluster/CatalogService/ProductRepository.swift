/// Where the catalog keeps its products: a protocol, so the service runs on SQLite in the cluster
/// (``SQLiteProductRepository``) and in memory in tests (``InMemoryProductRepository``).
///
/// ```swift
/// let repository: any ProductRepository = InMemoryProductRepository(products: [mug])
/// let updated = try await repository.update(sku: "SKU-1001") { $0.priceCents = 990 }
/// ```
public protocol ProductRepository: Sendable {
    /// The product with `sku`, or nil when there is none.
    ///
    /// - Parameter sku: The product's sku.
    func product(sku: String) async throws -> CatalogProduct?

    /// Every product, ordered by sku.
    func allProducts() async throws -> [CatalogProduct]

    /// Changes the product with `sku` atomically: no other change to it runs between reading it and
    /// storing what `change` made of it.
    ///
    /// - Parameters:
    ///   - sku: The product's sku.
    ///   - change: Changes the product in place; what it throws cancels the update.
    /// - Returns: The product as stored after the change, or nil when there is none with `sku`.
    func update(
        sku: String,
        _ change: @escaping @Sendable (inout CatalogProduct) throws -> Void
    ) async throws
        -> CatalogProduct?
}
