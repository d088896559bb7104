/// Where the orders service gets a product's unit price: a protocol, so the service calls the catalog
/// in the cluster (``CatalogPriceLookup``) and a fake in tests.
///
/// ```swift
/// struct FixedPrices: PriceLookup {
///     func unitPriceCents(sku: String) async throws -> Int64 {
///         guard sku == "SKU-1" else { throw OrderError(.productNotFound, "no product \(sku)") }
///         return 1_250
///     }
/// }
/// ```
public protocol PriceLookup: Sendable {
    /// The unit price of `sku` in cents.
    ///
    /// - Parameter sku: The product.
    /// - Throws: ``OrderError/Code/productNotFound`` for an unknown sku,
    ///   ``OrderError/Code/catalogUnavailable`` when no price could be had.
    func unitPriceCents(sku: String) async throws -> Int64
}
