import OrdersService
import Testing

/// The orders service's business logic on fakes: no files, no sockets.
@Suite struct OrderBookTests {
    let repository = InMemoryOrderRepository()
    let prices = FakePrices()
    let queue = FakeTaskQueue()
    var book: OrderBook { OrderBook(repository: repository, prices: prices, tasks: queue) }

    @Test func placesAPricedOrderAndQueuesBothTasks() async throws {
        let order = try await book.place(orderRequest(quantity: 3), idempotencyKey: "k-1")
        #expect(order.totalCents == 3_750 && order.sku == "SKU-1" && order.quantity == 3)
        #expect(order.status == .queued)
        #expect(order.cardToken.hasPrefix("tok_"))
        #expect(try await repository.order(id: order.id) == order)
        #expect(
            queue.tasks == [
                "\(order.id)/capture-payment": .capturePayment(
                    orderID: order.id,
                    amountCents: 3_750,
                    cardToken: order.cardToken
                ),
                "\(order.id)/send-confirmation": .sendConfirmation(
                    orderID: order.id,
                    customerEmail: "ada.lovelace@example.com"
                ),
            ]
        )
    }

    @Test func theCardNumberIsNeitherStoredNorQueued() async throws {
        let order = try await book.place(orderRequest(card: "4111-1111-1111-1111"), idempotencyKey: "k-1")
        let stored = try #require(try await repository.order(id: order.id))
        for text in ["\(stored)", stored.cardToken, stored.customerEmail, "\(queue.tasks)"] {
            #expect(!text.contains("4111"))
        }
        #expect(!"\(stored)".contains("ada.lovelace") && !"\(stored)".contains(stored.cardToken))
    }

    @Test(arguments: [
        orderRequest(email: "not-an-address"),
        orderRequest(email: "ada@localhost"),
        orderRequest(email: "ada @example.com"),
        orderRequest(card: "4242 4242 4242 4241"),  // the Luhn check fails
        orderRequest(card: "4242"),
        orderRequest(card: "4242 4242 4242 424x"),
        orderRequest(sku: ""),
        orderRequest(quantity: 0),
        orderRequest(quantity: 1_001),
    ])
    func anInvalidRequestIsRefusedWithoutItsValues(_ request: OrderRequest) async throws {
        let error = await #expect(throws: OrderError.self) { try await book.place(request, idempotencyKey: "k-1") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(request.customerEmail) == false)
        #expect(error?.message.contains(request.cardNumber) == false)
        #expect(prices.calls == 0 && queue.calls == 0)
        #expect(try await repository.order(idempotencyKey: "k-1") == nil)
    }

    @Test func anUnknownSkuIsNotFoundAndACatalogOutagePlacesNothing() async throws {
        let unknown = await #expect(throws: OrderError.self) {
            try await book.place(orderRequest(sku: "SKU-404"), idempotencyKey: "k-1")
        }
        #expect(unknown?.code == .productNotFound)
        prices.available = false
        let down = await #expect(throws: OrderError.self) {
            try await book.place(orderRequest(), idempotencyKey: "k-2")
        }
        #expect(down?.code == .catalogUnavailable)
        #expect(try await repository.ordersAwaitingTasks(limit: 10).isEmpty && queue.calls == 0)
    }

    @Test func aRetriedCallWithTheSameKeyReturnsTheSameOrderAndPlacesOne() async throws {
        let first = try await book.place(orderRequest(), idempotencyKey: "k-1")
        let again = try await book.place(orderRequest(), idempotencyKey: "k-1")
        #expect(again == first)
        #expect(prices.calls == 1)  // the retry was answered from the store, not priced again
        #expect(queue.calls == 2 && queue.tasks.count == 2)
        let other = try await book.place(orderRequest(), idempotencyKey: "k-2")
        #expect(other.id != first.id)
    }

    @Test func concurrentCallsWithOneKeyPlaceOneOrder() async throws {
        let book = book
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask { try await book.place(orderRequest(), idempotencyKey: "k-1").id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(queue.tasks.count == 2)
    }

    @Test func aKeyReusedForAnotherOrderIsRefused() async throws {
        _ = try await book.place(orderRequest(quantity: 1), idempotencyKey: "k-1")
        let error = await #expect(throws: OrderError.self) {
            try await book.place(orderRequest(quantity: 5), idempotencyKey: "k-1")
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func callsWithoutAKeyAreNotDeduplicated() async throws {
        let first = try await book.place(orderRequest(), idempotencyKey: "")
        let second = try await book.place(orderRequest(), idempotencyKey: "")
        #expect(first.id != second.id)
    }

    /// The crash between the store and the enqueue, as a broker that cannot be reached: the order is stored
    /// as placed (its outbox entry), and the relay queues its tasks once the broker is back.
    @Test func anOrderStoredButNotQueuedIsQueuedLaterByTheRelay() async throws {
        queue.mode = .down
        let order = try await book.place(orderRequest(), idempotencyKey: "k-1")
        #expect(order.status == .placed)
        #expect(try await repository.ordersAwaitingTasks(limit: 10) == [order])
        #expect(queue.tasks.isEmpty)
        await #expect(throws: FakeTaskQueue.Down.self) { try await book.queuePendingOrders() }
        queue.mode = .working
        #expect(try await book.queuePendingOrders() == 1)
        #expect(queue.tasks.count == 2)
        #expect(try await repository.order(id: order.id)?.status == .queued)
        #expect(try await book.queuePendingOrders() == 0)
        // A retry of the first call now sees the order queued, and queues nothing more.
        #expect(try await book.place(orderRequest(), idempotencyKey: "k-1").status == .queued)
        #expect(queue.tasks.count == 2)
    }

    /// The crash after the enqueue and before the status changed: the relay enqueues the tasks again, and
    /// the broker keeps one per key.
    @Test func tasksEnqueuedAgainAfterACrashAreKeptOncePerKey() async throws {
        queue.mode = .failsAfterStoring
        let order = try await book.place(orderRequest(), idempotencyKey: "k-1")
        #expect(order.status == .placed && queue.tasks.count == 1)
        queue.mode = .working
        #expect(try await book.queuePendingOrders() == 1)
        #expect(queue.calls == 3)  // the capture twice, the confirmation once
        #expect(queue.tasks.count == 2)
        #expect(queue.tasks.keys.sorted() == order.tasks.map(\.idempotencyKey).sorted())
    }

    @Test func getsAnOrderOrNotFound() async throws {
        let order = try await book.place(orderRequest(), idempotencyKey: "k-1")
        #expect(try await book.order(id: order.id) == order)
        let error = await #expect(throws: OrderError.self) { try await book.order(id: "ord-404") }
        #expect(error?.code == .orderNotFound)
    }
}
