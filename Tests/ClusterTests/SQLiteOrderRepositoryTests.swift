import Foundation
import OrdersService
import Testing

/// The orders' SQLite repository against a temporary file.
@Suite struct SQLiteOrderRepositoryTests {
    private func order(_ id: String, status: Order.Status = .placed) -> Order {
        Order(
            id: id,
            status: status,
            sku: "SKU-1",
            quantity: 2,
            totalCents: 2_500,
            customerEmail: "ada@example.com",
            cardToken: "tok_1"
        )
    }

    @Test func storesOncePerKeyAndReadsBack() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteOrderRepository(path: directory.appendingPathComponent("o.sqlite").path)
            let first = try await repository.insert(order("ord-1"), idempotencyKey: "k-1")
            #expect(first.inserted && first.order == order("ord-1"))
            let again = try await repository.insert(order("ord-2"), idempotencyKey: "k-1")
            #expect(!again.inserted && again.order == order("ord-1"))
            #expect(try await repository.order(id: "ord-1") == order("ord-1"))
            #expect(try await repository.order(id: "ord-2") == nil)
            #expect(try await repository.order(idempotencyKey: "k-1") == order("ord-1"))
            #expect(try await repository.order(idempotencyKey: "k-2") == nil)
        }
    }

    @Test func theOutboxListsPlacedOrdersOldestFirstUntilTheyAreQueued() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteOrderRepository(path: directory.appendingPathComponent("o.sqlite").path)
            for index in 1...3 {
                _ = try await repository.insert(order("ord-\(index)"), idempotencyKey: "k-\(index)")
            }
            #expect(try await repository.ordersAwaitingTasks(limit: 10).map(\.id) == ["ord-1", "ord-2", "ord-3"])
            #expect(try await repository.ordersAwaitingTasks(limit: 2).map(\.id) == ["ord-1", "ord-2"])
            try await repository.markQueued(id: "ord-2")
            #expect(try await repository.ordersAwaitingTasks(limit: 10).map(\.id) == ["ord-1", "ord-3"])
            #expect(try await repository.order(id: "ord-2")?.status == .queued)
            #expect(try await repository.countsByStatus() == [.placed: 2, .queued: 1])
        }
    }

    /// A process that stored an order and died before queuing its tasks: the next one finds it in the outbox.
    @Test func aPlacedOrderSurvivesReopeningAndIsQueuedThen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("o.sqlite").path
            let queue = FakeTaskQueue()
            queue.mode = .down
            let placed = try await OrderBook(
                repository: try await SQLiteOrderRepository(path: path),
                prices: FakePrices(),
                tasks: queue
            ).place(orderRequest(), idempotencyKey: "k-1")
            #expect(placed.status == .placed)
            queue.mode = .working
            let restarted = OrderBook(
                repository: try await SQLiteOrderRepository(path: path),
                prices: FakePrices(),
                tasks: queue
            )
            #expect(try await restarted.queuePendingOrders() == 1)
            #expect(try await restarted.order(id: placed.id).status == .queued)
            #expect(queue.tasks.count == 2)
            #expect(try await restarted.place(orderRequest(), idempotencyKey: "k-1").id == placed.id)
        }
    }

    @Test func concurrentInsertsWithOneKeyStoreOne() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteOrderRepository(path: directory.appendingPathComponent("o.sqlite").path)
            let inserted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    group.addTask { try await repository.insert(order("ord-\(index)"), idempotencyKey: "k").inserted }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(inserted == 1)
        }
    }
}
