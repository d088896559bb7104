/// A product as the catalog's service and repositories see it: the domain's type, free of the wire's.
///
/// ```swift
/// let mug = CatalogProduct(sku: "SKU-1001", name: "Mug", priceCents: 1_250, version: 1)
/// ```
public struct CatalogProduct: Hashable, Sendable {
    /// The stock-keeping unit, the product's identity.
    public var sku: String
    /// The product's display name.
    public var name: String
    /// The price in cents, never negative.
    public var priceCents: Int64
    /// Grows by one with every change: readers and caches tell stale copies by it.
    public var version: Int64

    /// Creates a product.
    ///
    /// - Parameters:
    ///   - sku: The stock-keeping unit.
    ///   - name: The display name.
    ///   - priceCents: The price in cents.
    ///   - version: The version (1 for a new product).
    public init(sku: String, name: String, priceCents: Int64, version: Int64 = 1) {
        self.sku = sku
        self.name = name
        self.priceCents = priceCents
        self.version = version
    }
}
