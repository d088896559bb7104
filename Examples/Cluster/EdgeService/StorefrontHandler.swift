public import EdgeMessages
public import ZRPC

/// Serves `cluster.edge.Storefront`: a thin layer over ``Storefront`` that maps its products to the
/// edge's messages. Errors pass through as the storefront throws them (RPC status codes already).
/// It logs nothing of what it is sent.
///
/// ```swift
/// let handler = StorefrontHandler(storefront: storefront) { Cluster_Edge_EdgeStats() }
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:7000"]), services: [handler])
/// ```
public struct StorefrontHandler: Cluster_Edge_Storefront.ServiceProtocol {
    private let storefront: Storefront
    private let statistics: @Sendable () -> Cluster_Edge_EdgeStats

    /// Creates the handler.
    ///
    /// - Parameters:
    ///   - storefront: The logic it serves.
    ///   - statistics: What `GetStats` answers (the process gathers its cache's, its invalidator's
    ///     and its circuit breaker's figures).
    public init(storefront: Storefront, statistics: @escaping @Sendable () -> Cluster_Edge_EdgeStats) {
        self.storefront = storefront
        self.statistics = statistics
    }

    /// One product, possibly degraded.
    public func viewProduct(
        _ request: Cluster_Edge_ViewProductRequest,
        context: ServerContext
    ) async throws -> Cluster_Edge_ProductView {
        Cluster_Edge_ProductView(try await storefront.view(sku: request.sku))
    }

    /// Changes a price.
    public func changePrice(
        _ request: Cluster_Edge_ChangePriceRequest,
        context: ServerContext
    ) async throws -> Cluster_Edge_ProductView {
        Cluster_Edge_ProductView(try await storefront.changePrice(sku: request.sku, priceCents: request.priceCents))
    }

    /// The edge's counters.
    public func getStats(
        _ request: Cluster_Edge_EdgeStatsRequest,
        context: ServerContext
    ) async throws -> Cluster_Edge_EdgeStats {
        statistics()
    }
}

extension Cluster_Edge_ProductView {
    init(_ product: StorefrontProduct) {
        self.init(
            sku: product.sku,
            name: product.name,
            priceCents: product.priceCents,
            version: product.version,
            degraded: product.degraded
        )
    }
}
