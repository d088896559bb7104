public import OrdersMessages
public import ZRPC

/// Serves `cluster.Orders` over ZRPC: a thin layer that turns requests into calls on ``OrderBook`` and
/// its refusals into RPC status codes (INVALID_ARGUMENT for a bad email, card number, sku or quantity;
/// NOT_FOUND for an unknown order or sku; UNAVAILABLE when the catalog cannot price the order). It logs
/// nothing of what it is sent.
///
/// ```swift
/// let handler = OrdersHandler(book: OrderBook(repository: InMemoryOrderRepository(), prices: prices, tasks: queue))
/// try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
///     let order = try await Cluster_Orders.Client(wrapping: client).placeOrder(
///         .init(customerEmail: "ada@example.com", cardNumber: "4242424242424242", sku: "SKU-1001", quantity: 1)
///     )
/// }
/// ```
public struct OrdersHandler: Cluster_Orders.ServiceProtocol {
    private let book: OrderBook

    /// Creates the handler.
    ///
    /// - Parameter book: The business logic it serves.
    public init(book: OrderBook) {
        self.book = book
    }

    /// Places an order once per idempotency key (the generated client sends one per call, the same on
    /// every retry).
    public func placeOrder(_ request: Cluster_PlaceOrderRequest, context: ServerContext) async throws -> Cluster_Order {
        try await mappingErrors {
            let order = try await book.place(
                OrderRequest(
                    customerEmail: request.customerEmail,
                    cardNumber: request.cardNumber,
                    sku: request.sku,
                    quantity: Int(request.quantity)
                ),
                idempotencyKey: context.idempotencyKey
            )
            return Cluster_Order(order)
        }
    }

    /// One order; NOT_FOUND for an unknown id.
    public func getOrder(_ request: Cluster_GetOrderRequest, context: ServerContext) async throws -> Cluster_Order {
        try await mappingErrors { Cluster_Order(try await book.order(id: request.id)) }
    }

    /// Relays the outbox now and counts the orders (the scheduler's reconciliation).
    public func reconcile(
        _ request: Cluster_ReconcileRequest,
        context: ServerContext
    ) async throws -> Cluster_ReconcileReport {
        try await mappingErrors {
            let result = try await book.reconcile()
            return Cluster_ReconcileReport(
                relayed: UInt64(result.relayed),
                placed: UInt64(result.placed),
                queued: UInt64(result.queued),
                brokerReachable: result.brokerReachable
            )
        }
    }

    /// Runs `body`, turning an ``OrderError`` into the matching ``RPCError``; other errors pass through
    /// (the server answers them as INTERNAL without their details).
    private func mappingErrors<Output>(_ body: () async throws -> Output) async throws -> Output {
        do {
            return try await body()
        } catch let error as OrderError {
            switch error.code {
            case .invalidArgument: throw RPCError(code: .invalidArgument, message: error.message)
            case .orderNotFound, .productNotFound: throw RPCError(code: .notFound, message: error.message)
            case .catalogUnavailable: throw RPCError(code: .unavailable, message: error.message)
            default: throw RPCError(code: .internal, message: "unexpected orders error")
            }
        }
    }
}

extension Cluster_Order {
    /// The wire's copy of a domain order (without the email and the token, which stay in the service).
    init(_ order: Order) {
        self.init(
            id: order.id,
            status: order.status == .queued ? .queued : .placed,
            totalCents: order.totalCents,
            sku: order.sku,
            quantity: UInt32(clamping: order.quantity)
        )
    }
}
