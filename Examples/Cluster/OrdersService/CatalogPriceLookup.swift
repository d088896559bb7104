public import CatalogMessages
import ZRPC

/// The ``PriceLookup`` of the cluster: asks the catalog service through its generated client, each call
/// with a deadline (`GetProduct` declares 500 ms in `catalog.proto`; the client's configuration may
/// set another, and an order's own deadline bounds it too).
///
/// ```swift
/// let catalogClient = try Client(configuration: .init(endpoints: ["tcp://127.0.0.1:7200"]))
/// let prices = CatalogPriceLookup(catalog: Cluster_Catalog.Client(wrapping: catalogClient))
/// let cents = try await prices.unitPriceCents(sku: "SKU-1001")
/// ```
public struct CatalogPriceLookup: PriceLookup {
    private let catalog: any Cluster_Catalog.ClientProtocol

    /// Creates the lookup.
    ///
    /// - Parameter catalog: The catalog's client (a generated stub, or a mock of its protocol).
    public init(catalog: any Cluster_Catalog.ClientProtocol) {
        self.catalog = catalog
    }

    /// The catalog's price for `sku`: NOT_FOUND becomes ``OrderError/Code/productNotFound``, any other
    /// failure ``OrderError/Code/catalogUnavailable``.
    public func unitPriceCents(sku: String) async throws -> Int64 {
        do {
            return try await catalog.getProduct(.init(sku: sku), options: .defaults).priceCents
        } catch let error as RPCError where error.code == .notFound {
            throw OrderError(.productNotFound, "no product \(sku)")
        } catch let error as RPCError {
            throw OrderError(.catalogUnavailable, "the catalog could not price the order (\(error.code))")
        }
    }
}
