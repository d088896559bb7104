import OrdersMessages
import OrdersService
import Testing
import ZRPC

/// The orders handler through the generated client and `InProcessServer`: real calls, no sockets.
@Suite struct OrdersHandlerTests {
    let queue = FakeTaskQueue()
    let prices = FakePrices()

    private func withOrders(_ body: (Cluster_Orders.Client) async throws -> Void) async throws {
        let handler = OrdersHandler(
            book: OrderBook(repository: InMemoryOrderRepository(), prices: prices, tasks: queue)
        )
        try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
            try await body(Cluster_Orders.Client(wrapping: client))
        }
    }

    private let request = Cluster_PlaceOrderRequest(
        customerEmail: "ada@example.com",
        cardNumber: "4242424242424242",
        sku: "SKU-2",
        quantity: 2
    )

    @Test func placesAndGetsAnOrder() async throws {
        try await withOrders { orders in
            let order = try await orders.placeOrder(request)
            #expect(order.status == .queued && order.totalCents == 9_800 && order.sku == "SKU-2" && order.quantity == 2)
            #expect(try await orders.getOrder(.init(id: order.id)) == order)
            #expect(queue.tasks.count == 2)
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyGetsTheFirstOrder() async throws {
        try await withOrders { orders in
            let first = try await orders.placeOrder(request, options: .init(idempotencyKey: "checkout-1"))
            let retried = try await orders.placeOrder(request, options: .init(idempotencyKey: "checkout-1"))
            #expect(retried == first)
            let other = try await orders.placeOrder(request)  // the stub makes a key of its own
            #expect(other.id != first.id)
            #expect(queue.tasks.count == 4)
        }
    }

    @Test func mapsRefusalsToStatusCodes() async throws {
        try await withOrders { orders in
            var badCard = request
            badCard.cardNumber = "1234567812345678"
            let invalid = await #expect(throws: RPCError.self) { try await orders.placeOrder(badCard) }
            #expect(invalid?.code == .invalidArgument)
            #expect(invalid?.message.contains("12345678") == false)
            var unknown = request
            unknown.sku = "SKU-404"
            let notFound = await #expect(throws: RPCError.self) { try await orders.placeOrder(unknown) }
            #expect(notFound?.code == .notFound)
            let noOrder = await #expect(throws: RPCError.self) { try await orders.getOrder(.init(id: "ord-404")) }
            #expect(noOrder?.code == .notFound)
            prices.available = false
            let down = await #expect(throws: RPCError.self) {
                try await orders.placeOrder(request, options: .init(timeout: .seconds(10)))
            }
            #expect(down?.code == .unavailable)
        }
    }

    @Test func theProtoDeclaresPlaceOrderIdempotencyKeyedWithADeadline() {
        let place = Cluster_Orders.Method.PlaceOrder.descriptor
        #expect(place.defaults.idempotencyKeyed)
        #expect(place.defaults.timeout == .milliseconds(2_000))
        #expect(Cluster_Orders.Method.GetOrder.descriptor.idempotency == .noSideEffects)
        #expect(Cluster_OrderTasks.Method.CapturePayment.descriptor.name == "cluster.OrderTasks/CapturePayment")
        #expect(Cluster_OrderTasks.Method.SendConfirmation.descriptor.declaredPolicy.maxAttempts == 5)
    }
}
