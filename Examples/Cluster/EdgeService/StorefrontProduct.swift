/// A product as the edge shows it: the catalog's copy, or the last one seen when the catalog could
/// not be asked (``degraded``).
///
/// ```swift
/// let view = try await storefront.view(sku: "SKU-1001")
/// if view.degraded { print("price as of version \(view.version), may be out of date") }
/// ```
public struct StorefrontProduct: Hashable, Sendable {
    /// The stock-keeping unit.
    public var sku: String
    /// The product's name.
    public var name: String
    /// The price in cents.
    public var priceCents: Int64
    /// The catalog's version of the product.
    public var version: Int64
    /// True when this is the last known copy, served because the catalog failed.
    public var degraded: Bool

    /// Creates a product view.
    ///
    /// - Parameters:
    ///   - sku: The stock-keeping unit.
    ///   - name: The name.
    ///   - priceCents: The price in cents.
    ///   - version: The catalog's version.
    ///   - degraded: Whether it is a last known copy.
    public init(sku: String, name: String, priceCents: Int64, version: Int64, degraded: Bool = false) {
        self.sku = sku
        self.name = name
        self.priceCents = priceCents
        self.version = version
        self.degraded = degraded
    }
}
