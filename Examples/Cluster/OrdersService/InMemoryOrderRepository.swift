import Synchronization

/// An ``OrderRepository`` in memory, for tests: the service's logic runs on it with no files and no sockets.
///
/// ```swift
/// let book = OrderBook(repository: InMemoryOrderRepository(), prices: prices, tasks: queue)
/// ```
public final class InMemoryOrderRepository: OrderRepository {
    private struct Contents {
        var orders: [String: Order] = [:]
        var idsByKey: [String: String] = [:]
        /// Ids in the order they were stored.
        var placementOrder: [String] = []
    }

    private let contents = Mutex(Contents())

    /// Creates an empty repository.
    public init() {}

    /// Stores `order` under the key unless the key is taken, under the lock.
    public func insert(_ order: Order, idempotencyKey: String) async throws -> (order: Order, inserted: Bool) {
        contents.withLock { contents in
            if let id = contents.idsByKey[idempotencyKey], let existing = contents.orders[id] {
                return (existing, false)
            }
            contents.orders[order.id] = order
            contents.idsByKey[idempotencyKey] = order.id
            contents.placementOrder.append(order.id)
            return (order, true)
        }
    }

    /// The order with `id`, or nil.
    public func order(id: String) async throws -> Order? {
        contents.withLock { $0.orders[id] }
    }

    /// The order placed under the key, or nil.
    public func order(idempotencyKey: String) async throws -> Order? {
        contents.withLock { contents in contents.idsByKey[idempotencyKey].flatMap { contents.orders[$0] } }
    }

    /// Sets the order's status to queued.
    public func markQueued(id: String) async throws {
        contents.withLock { $0.orders[id]?.status = .queued }
    }

    /// Placed orders, oldest first.
    public func ordersAwaitingTasks(limit: Int) async throws -> [Order] {
        contents.withLock { contents in
            let orders = contents.orders
            return Array(
                contents.placementOrder.compactMap { orders[$0] }.filter { $0.status == .placed }.prefix(limit)
            )
        }
    }

    /// Orders by status.
    public func countsByStatus() async throws -> [Order.Status: Int] {
        contents.withLock { contents in
            contents.orders.values.reduce(into: [:]) { counts, order in counts[order.status, default: 0] += 1 }
        }
    }
}
