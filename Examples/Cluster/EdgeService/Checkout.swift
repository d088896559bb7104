public import OrdersMessages
import Synchronization
public import ZRPC

/// The edge's order placement: passes an order to the orders service with the caller's idempotency
/// key, so that a caller retrying a call whose answer it lost gets the same order, never a second
/// one. Never degraded: an order that cannot reach the orders service fails. It knows the orders
/// service only as the generated client protocol, so tests give it a mock; in the process the client
/// under it carries the bulkhead, the circuit breaker, the retry and the deadline (see `cluster-edge`).
///
/// ```swift
/// let checkout = Checkout(orders: Cluster_Orders.Client(wrapping: ordersClient))
/// let order = try await checkout.place(request, idempotencyKey: context.idempotencyKey)
/// ```
public final class Checkout: Sendable {
    /// What the checkout has done since it was made.
    public struct Statistics: Hashable, Sendable {
        /// Orders the orders service confirmed.
        public var placed: UInt64 = 0
        /// Orders that failed, whatever the status.
        public var failed: UInt64 = 0
    }

    private let orders: any Cluster_Orders.ClientProtocol
    private let counters = Mutex(Statistics())

    /// Creates the checkout.
    ///
    /// - Parameter orders: The orders service, through its generated client protocol.
    public init(orders: any Cluster_Orders.ClientProtocol) {
        self.orders = orders
    }

    /// The counters now.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// Places an order.
    ///
    /// - Parameters:
    ///   - request: The order.
    ///   - idempotencyKey: The caller's key for it (the same on every retry of the caller's call).
    /// - Returns: The order as the orders service stored it.
    /// - Throws: `RPCError`: INVALID_ARGUMENT when `idempotencyKey` is empty; the orders service's
    ///   status otherwise (INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, …).
    public func place(_ request: Cluster_PlaceOrderRequest, idempotencyKey: String) async throws -> Cluster_Order {
        guard !idempotencyKey.isEmpty else {
            counters.withLock { $0.failed += 1 }
            throw RPCError(code: .invalidArgument, message: "PlaceOrder needs an idempotency key")
        }
        do {
            let order = try await orders.placeOrder(request, options: CallOptions(idempotencyKey: idempotencyKey))
            counters.withLock { $0.placed += 1 }
            return order
        } catch {
            counters.withLock { $0.failed += 1 }
            throw error
        }
    }
}
