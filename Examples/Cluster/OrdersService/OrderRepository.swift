/// Where the orders service keeps its orders: a protocol, so the service runs on SQLite in the cluster
/// (``SQLiteOrderRepository``) and in memory in tests (``InMemoryOrderRepository``). An order's row is
/// also its **outbox**: an order whose status is ``Order/Status/placed`` still has tasks to hand to the
/// broker, and the same write that stores the order stores that fact.
///
/// ```swift
/// let repository: any OrderRepository = InMemoryOrderRepository()
/// let (stored, inserted) = try await repository.insert(order, idempotencyKey: "checkout-77")
/// try await repository.markQueued(id: stored.id)
/// ```
public protocol OrderRepository: Sendable {
    /// Stores `order` under `idempotencyKey`, unless an order is stored under that key already: then
    /// stores nothing. Atomic: of two calls with one key, one stores.
    ///
    /// - Parameters:
    ///   - order: The new order.
    ///   - idempotencyKey: The key of the call that placed it.
    /// - Returns: The order stored under the key, and whether it is `order` (false: an earlier one).
    func insert(_ order: Order, idempotencyKey: String) async throws -> (order: Order, inserted: Bool)

    /// The order with `id`, or nil.
    ///
    /// - Parameter id: The order's id.
    func order(id: String) async throws -> Order?

    /// The order placed under `idempotencyKey`, or nil.
    ///
    /// - Parameter idempotencyKey: The key of the call that placed it.
    func order(idempotencyKey: String) async throws -> Order?

    /// Records that the broker confirmed the order's tasks (status ``Order/Status/queued``); nothing when
    /// there is no such order.
    ///
    /// - Parameter id: The order's id.
    func markQueued(id: String) async throws

    /// Orders whose tasks the broker has not confirmed yet (status ``Order/Status/placed``), oldest first.
    ///
    /// - Parameter limit: At most this many.
    func ordersAwaitingTasks(limit: Int) async throws -> [Order]

    /// How many orders are stored in each status.
    func countsByStatus() async throws -> [Order.Status: Int]
}
