import Synchronization

/// A ``ProductRepository`` in memory, for tests: the service's logic runs on it with no files and no
/// sockets.
///
/// ```swift
/// let catalog = ProductCatalog(repository: InMemoryProductRepository(products: [
///     CatalogProduct(sku: "SKU-1001", name: "Mug", priceCents: 1_250),
/// ]))
/// ```
public final class InMemoryProductRepository: ProductRepository {
    private let products: Mutex<[String: CatalogProduct]>

    /// Creates a repository holding `products`.
    ///
    /// - Parameter products: The products to start with (a later one replaces an earlier one with its sku).
    public init(products: [CatalogProduct] = []) {
        self.products = Mutex(Dictionary(products.map { ($0.sku, $0) }) { _, later in later })
    }

    /// The product with `sku`, or nil.
    public func product(sku: String) async throws -> CatalogProduct? {
        products.withLock { $0[sku] }
    }

    /// Every product, ordered by sku.
    public func allProducts() async throws -> [CatalogProduct] {
        products.withLock { $0.values.sorted { $0.sku < $1.sku } }
    }

    /// Changes the product with `sku` under the lock.
    public func update(
        sku: String,
        _ change: @escaping @Sendable (inout CatalogProduct) throws -> Void
    ) async throws
        -> CatalogProduct?
    {
        try products.withLock { products in
            guard var product = products[sku] else { return nil }
            try change(&product)
            products[sku] = product
            return product
        }
    }
}
