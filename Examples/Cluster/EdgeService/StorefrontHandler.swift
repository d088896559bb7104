public import EdgeMessages
import OrdersMessages
public import ZRPC

/// Serves `cluster.edge.Storefront`: a thin layer over ``Storefront`` and ``Checkout`` that maps
/// their products and orders to the edge's messages. Errors pass through as they throw them (RPC
/// status codes already). It logs nothing of what it is sent.
///
/// ```swift
/// let handler = StorefrontHandler(storefront: storefront, checkout: checkout) { Cluster_Edge_EdgeStats() }
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:7000"]), services: [handler])
/// ```
public struct StorefrontHandler: Cluster_Edge_Storefront.ServiceProtocol {
    private let storefront: Storefront
    private let checkout: Checkout
    private let statistics: @Sendable () -> Cluster_Edge_EdgeStats

    /// Creates the handler.
    ///
    /// - Parameters:
    ///   - storefront: The product logic it serves.
    ///   - checkout: The order logic it serves.
    ///   - statistics: What `GetStats` answers (the process gathers its cache's, its invalidator's,
    ///     its checkout's and its circuit breakers' figures).
    public init(
        storefront: Storefront,
        checkout: Checkout,
        statistics: @escaping @Sendable () -> Cluster_Edge_EdgeStats
    ) {
        self.storefront = storefront
        self.checkout = checkout
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

    /// Places an order with the call's idempotency key.
    public func placeOrder(
        _ request: Cluster_Edge_PlaceOrderRequest,
        context: ServerContext
    ) async throws -> Cluster_Edge_OrderView {
        let order = try await checkout.place(
            Cluster_PlaceOrderRequest(
                customerEmail: request.customerEmail,
                cardNumber: request.cardNumber,
                sku: request.sku,
                quantity: request.quantity
            ),
            idempotencyKey: context.idempotencyKey
        )
        return Cluster_Edge_OrderView(
            id: order.id,
            sku: order.sku,
            quantity: order.quantity,
            totalCents: order.totalCents,
            queued: order.status == .queued
        )
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
