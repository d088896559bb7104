import EdgeMessages
import EdgeService
import OrdersMessages
import Synchronization
import Testing
import ZRPC

/// The orders service as the edge's checkout and the scheduler see it: remembers the key of every
/// call and answers one order per key, answers reconciliations from a list, or fails.
final class MockOrders: Cluster_Orders.ClientProtocol {
    struct State {
        var ordersByKey: [String: Cluster_Order] = [:]
        var keysSeen: [String] = []
        var failure: RPCError?
        /// What `reconcile` answers, one per call (the last again when they run out).
        var reports: [Cluster_ReconcileReport] = [.init()]
        var fires: [String] = []
    }

    let state = Mutex(State())

    func placeOrder(_ request: Cluster_PlaceOrderRequest, options: CallOptions) async throws -> Cluster_Order {
        try state.withLock { state in
            let key = options.idempotencyKey ?? ""
            state.keysSeen.append(key)
            if let failure = state.failure { throw failure }
            if let placed = state.ordersByKey[key] { return placed }
            let order = Cluster_Order(
                id: "ord-\(state.ordersByKey.count + 1)",
                status: .queued,
                totalCents: 990 * Int64(request.quantity),
                sku: request.sku,
                quantity: request.quantity
            )
            state.ordersByKey[key] = order
            return order
        }
    }

    func getOrder(_ request: Cluster_GetOrderRequest, options: CallOptions) async throws -> Cluster_Order {
        throw RPCError(code: .unimplemented, message: "not in this mock")
    }

    func reconcile(_ request: Cluster_ReconcileRequest, options: CallOptions) async throws -> Cluster_ReconcileReport {
        try state.withLock { state in
            state.fires.append(request.fire)
            if let failure = state.failure { throw failure }
            return state.reports.count > 1 ? state.reports.removeFirst() : state.reports[0]
        }
    }
}

@Suite struct CheckoutTests {
    private let order = Cluster_PlaceOrderRequest(
        customerEmail: "ada@example.com",
        cardNumber: "4242424242424242",
        sku: "SKU-1",
        quantity: 2
    )

    @Test func theCallersKeyGoesToTheOrdersServiceSoARetryPlacesOneOrder() async throws {
        let orders = MockOrders()
        let checkout = Checkout(orders: orders)
        let first = try await checkout.place(order, idempotencyKey: "key-1")
        let again = try await checkout.place(order, idempotencyKey: "key-1")
        let other = try await checkout.place(order, idempotencyKey: "key-2")
        #expect(first.id == again.id && first.id != other.id)
        #expect(first.totalCents == 1_980)
        #expect(orders.state.withLock { $0.keysSeen } == ["key-1", "key-1", "key-2"])
        #expect(checkout.statistics.placed == 3 && checkout.statistics.failed == 0)
    }

    @Test func anOrderWithoutAKeyIsRefusedBeforeItLeavesTheEdge() async throws {
        let orders = MockOrders()
        let checkout = Checkout(orders: orders)
        let refused = await #expect(throws: RPCError.self) { try await checkout.place(order, idempotencyKey: "") }
        #expect(refused?.code == .invalidArgument)
        #expect(orders.state.withLock { $0.keysSeen }.isEmpty)
        #expect(checkout.statistics.failed == 1)
    }

    @Test func theOrdersServicesFailurePassesThroughAndIsCounted() async throws {
        let orders = MockOrders()
        orders.state.withLock { $0.failure = RPCError(code: .unavailable, message: "down") }
        let checkout = Checkout(orders: orders)
        let failed = await #expect(throws: RPCError.self) { try await checkout.place(order, idempotencyKey: "k") }
        #expect(failed?.code == .unavailable)
        #expect(checkout.statistics.placed == 0 && checkout.statistics.failed == 1)
    }

    @Test func theHandlerPlacesAnOrderWithTheCallsGeneratedKeyInProcess() async throws {
        let orders = MockOrders()
        let handler = StorefrontHandler(
            storefront: Storefront(catalog: MockCatalog([])),
            checkout: Checkout(orders: orders)
        ) { Cluster_Edge_EdgeStats() }
        try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
            let edge = Cluster_Edge_Storefront.Client(wrapping: client)
            let placed = try await edge.placeOrder(
                .init(customerEmail: "ada@example.com", cardNumber: "4242424242424242", sku: "SKU-1", quantity: 1)
            )
            #expect(placed.id == "ord-1" && placed.queued && placed.totalCents == 990)
            // The generated client made a key for the keyed method; the edge passed it on.
            let keys = orders.state.withLock { $0.keysSeen }
            #expect(keys.count == 1 && keys.allSatisfy { !$0.isEmpty })
        }
    }
}
