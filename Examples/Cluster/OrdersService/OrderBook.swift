import Foundation
public import Logging
import ZRPC

/// The orders service's business logic: validates an order, prices it through a ``PriceLookup``, stores
/// it in an ``OrderRepository`` and hands its tasks to a ``TaskEnqueuing``. It knows nothing of RPC:
/// ``OrdersHandler`` serves it, tests call it directly with fakes.
///
/// **Nothing lost, nothing doubled.** The order's row is its outbox: one write stores the order with
/// status ``Order/Status/placed``, which says its tasks are still to be queued. Then each task is
/// enqueued under a key made from the order's id, and the status becomes ``Order/Status/queued``. A crash
/// (or a broker that is down) between the store and the enqueue leaves a placed order, and
/// ``queuePendingOrders(limit:)`` (run by ``OutboxRelay`` at start-up and every second) enqueues its
/// tasks later; a crash between the enqueue and the status change makes it enqueue them again, and the
/// broker answers with the first task (same key). A retried call with the same idempotency key finds the
/// stored order and places nothing more.
///
/// ```swift
/// let book = OrderBook(repository: InMemoryOrderRepository(), prices: prices, tasks: queue)
/// let order = try await book.place(
///     OrderRequest(customerEmail: "ada@example.com", cardNumber: "4242 4242 4242 4242", sku: "SKU-1001", quantity: 2),
///     idempotencyKey: "checkout-77"
/// )
/// order.status   // .queued, or .placed when the broker could not be reached (the relay queues it later)
/// ```
public struct OrderBook: Sendable {
    private let repository: any OrderRepository
    private let prices: any PriceLookup
    private let tasks: any TaskEnqueuing
    private let logger: Logger
    private let makeOrderID: @Sendable () -> String
    private let makeCardToken: @Sendable () -> String

    /// Creates the order book.
    ///
    /// - Parameters:
    ///   - repository: Where orders are kept.
    ///   - prices: Where unit prices come from.
    ///   - tasks: Where orders' tasks go.
    ///   - logger: Where it logs (order ids and counts, never emails, card numbers or tokens).
    ///   - makeOrderID: Makes a new order's id (by default `ord-` and a random UUID).
    ///   - makeCardToken: Makes the token a card number is exchanged for (by default `tok_` and random
    ///     hex); in a real shop, a payment provider's vault would.
    public init(
        repository: any OrderRepository,
        prices: any PriceLookup,
        tasks: any TaskEnqueuing,
        logger: Logger = Logger(label: "cluster.orders"),
        makeOrderID: @escaping @Sendable () -> String = { "ord-\(UUID().uuidString.lowercased())" },
        makeCardToken: @escaping @Sendable () -> String = OrderBook.randomCardToken
    ) {
        self.repository = repository
        self.prices = prices
        self.tasks = tasks
        self.logger = logger
        self.makeOrderID = makeOrderID
        self.makeCardToken = makeCardToken
    }

    /// Places an order, once per idempotency key.
    ///
    /// - Parameters:
    ///   - request: What the customer asks for.
    ///   - idempotencyKey: The call's key: a call with a key seen before returns that call's order (its
    ///     status now) and places nothing. Empty: the call gets a key of its own (no de-duplication).
    /// - Returns: The order, ``Order/Status/queued`` when the broker confirmed its tasks, else
    ///   ``Order/Status/placed`` (stored; the outbox relay queues them later).
    /// - Throws: ``OrderError``: `invalidArgument` for a bad email, card number, sku or quantity, or a key
    ///   used before for a different order; `productNotFound`; `catalogUnavailable`; the repository's errors.
    public func place(_ request: OrderRequest, idempotencyKey: String) async throws -> Order {
        try OrderValidation.validate(request)
        let key = idempotencyKey.isEmpty ? "unkeyed-\(UUID().uuidString.lowercased())" : idempotencyKey
        if let earlier = try await repository.order(idempotencyKey: key) {
            return try await queueingTasks(of: try Self.same(earlier, as: request))
        }
        let unitPrice = try await prices.unitPriceCents(sku: request.sku)
        let (total, overflow) = unitPrice.multipliedReportingOverflow(by: Int64(request.quantity))
        guard unitPrice >= 0, !overflow else {
            throw OrderError(.invalidArgument, "the order's total is out of range")
        }
        let order = Order(
            id: makeOrderID(),
            status: .placed,
            sku: request.sku,
            quantity: request.quantity,
            totalCents: total,
            customerEmail: request.customerEmail,
            cardToken: makeCardToken()
        )
        let (stored, inserted) = try await repository.insert(order, idempotencyKey: key)
        if inserted {
            logger.info("order placed", metadata: ["order": "\(stored.id)", "total_cents": "\(stored.totalCents)"])
        }
        return try await queueingTasks(of: inserted ? stored : try Self.same(stored, as: request))
    }

    /// The order with `id`.
    ///
    /// - Parameter id: The order's id.
    /// - Throws: ``OrderError/Code/orderNotFound`` when there is none; the repository's errors.
    public func order(id: String) async throws -> Order {
        guard let order = try await repository.order(id: id) else {
            throw OrderError(.orderNotFound, "no order \(id)")
        }
        return order
    }

    /// The outbox relay's step: enqueues the tasks of orders still ``Order/Status/placed`` (a crash or a
    /// broker outage left them so) and marks each queued once the broker confirmed both.
    ///
    /// - Parameter limit: At most this many orders in one step.
    /// - Returns: How many orders it queued.
    /// - Throws: The first enqueue's or repository's error (the orders not queued stay in the outbox).
    @discardableResult
    public func queuePendingOrders(limit: Int = 100) async throws -> Int {
        let pending = try await repository.ordersAwaitingTasks(limit: limit)
        for order in pending {
            try await enqueueTasks(of: order)
        }
        return pending.count
    }

    /// The scheduler's reconciliation: runs the outbox relay's step now (every order still placed, up to
    /// `limit`) and counts the orders by status afterwards. A broker that cannot be reached is part of
    /// the answer, not an error: the orders stay in the outbox for the next run.
    ///
    /// - Parameter limit: At most this many orders relayed.
    /// - Throws: The repository's errors.
    public func reconcile(limit: Int = 1_000) async throws -> Reconciliation {
        var relayed = 0
        var brokerReachable = true
        do {
            relayed = try await queuePendingOrders(limit: limit)
        } catch {
            brokerReachable = false  // a broken database shows in the count below
        }
        let counts = try await repository.countsByStatus()
        return Reconciliation(
            relayed: relayed,
            placed: counts[.placed] ?? 0,
            queued: counts[.queued] ?? 0,
            brokerReachable: brokerReachable
        )
    }

    /// Enqueues `order`'s tasks unless they are queued; on failure logs and returns it as it is (placed).
    private func queueingTasks(of order: Order) async throws -> Order {
        guard order.status == .placed else { return order }
        do {
            try await enqueueTasks(of: order)
            var queued = order
            queued.status = .queued
            return queued
        } catch {
            logger.warning(
                "order's tasks left in the outbox for the relay",
                metadata: ["order": "\(order.id)", "error": "\(Self.describe(error))"]
            )
            return order
        }
    }

    private func enqueueTasks(of order: Order) async throws {
        for task in order.tasks {
            try await tasks.enqueue(task)
        }
        try await repository.markQueued(id: order.id)
        logger.debug("order's tasks queued", metadata: ["order": "\(order.id)"])
    }

    /// `stored` when it is the order `request` asks for; an idempotency key reused for another order is
    /// refused rather than answered with an order the caller did not ask for.
    private static func same(_ stored: Order, as request: OrderRequest) throws -> Order {
        guard stored.sku == request.sku, stored.quantity == request.quantity,
            stored.customerEmail == request.customerEmail
        else {
            throw OrderError(.invalidArgument, "the idempotency key was used for a different order")
        }
        return stored
    }

    /// An error's kind and code for a log line, never its whole text: an error from below could quote
    /// what it was sent.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as RPCError: "RPC status \(error.code)"
        default: String(describing: type(of: error))
        }
    }

    /// `tok_` and 24 random hex digits: stands for a card in tasks and the database, reveals nothing of it.
    ///
    /// ```swift
    /// OrderBook.randomCardToken()   // "tok_9f0c2a…"
    /// ```
    @Sendable public static func randomCardToken() -> String {
        var random = SystemRandomNumberGenerator()
        let digits = (0..<24).map { _ in String(random.next(upperBound: UInt8(16)), radix: 16) }
        return "tok_" + digits.joined()
    }
}
