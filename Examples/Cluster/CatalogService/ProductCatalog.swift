/// The catalog's business logic: reads products and changes prices, on any ``ProductRepository``.
/// It knows nothing of RPC: ``CatalogHandler`` serves it, tests call it directly with a fake.
///
/// ```swift
/// let catalog = ProductCatalog(repository: InMemoryProductRepository(products: [mug]))
/// let repriced = try await catalog.setPrice(sku: "SKU-1001", priceCents: 990)   // version 2
/// ```
public struct ProductCatalog: Sendable {
    private let repository: any ProductRepository

    /// Creates the catalog on `repository`.
    ///
    /// - Parameter repository: Where the products are kept.
    public init(repository: any ProductRepository) {
        self.repository = repository
    }

    /// The product with `sku`.
    ///
    /// - Parameter sku: The product's sku.
    /// - Throws: ``CatalogError/Code/productNotFound`` when there is none; the repository's errors.
    public func product(sku: String) async throws -> CatalogProduct {
        guard let product = try await repository.product(sku: sku) else { throw Self.notFound(sku) }
        return product
    }

    /// Every product, ordered by sku.
    ///
    /// - Throws: The repository's errors.
    public func allProducts() async throws -> [CatalogProduct] {
        try await repository.allProducts()
    }

    /// Sets a product's price and bumps its version by one, even when the price is unchanged (a
    /// write is a new version).
    ///
    /// - Parameters:
    ///   - sku: The product's sku.
    ///   - priceCents: The new price in cents, zero or more.
    /// - Returns: The product as it now is.
    /// - Throws: ``CatalogError/Code/invalidArgument`` for a negative price,
    ///   ``CatalogError/Code/productNotFound`` for an unknown sku; the repository's errors.
    public func setPrice(sku: String, priceCents: Int64) async throws -> CatalogProduct {
        guard priceCents >= 0 else {
            throw CatalogError(.invalidArgument, "price_cents must not be negative")
        }
        let updated = try await repository.update(sku: sku) { product in
            product.priceCents = priceCents
            product.version += 1
        }
        guard let updated else { throw Self.notFound(sku) }
        return updated
    }

    private static func notFound(_ sku: String) -> CatalogError {
        CatalogError(.productNotFound, "no product \(sku)")
    }
}
