public import Logging
public import ServiceLifecycle

/// Hands the broker the tasks of orders that were stored but not queued (the orders service crashed in
/// between, or the broker was down): runs ``OrderBook/queuePendingOrders(limit:)`` at start-up and then
/// every `interval`, until graceful shutdown. A swift-service-lifecycle `Service`.
///
/// ```swift
/// let relay = OutboxRelay(book: book, interval: .seconds(1), logger: logger)
/// try await ServiceGroup(services: [brokerClient, catalogClient, server, relay], logger: logger).run()
/// ```
public struct OutboxRelay: Service {
    private let book: OrderBook
    private let interval: Duration
    private let logger: Logger

    /// Creates the relay.
    ///
    /// - Parameters:
    ///   - book: The order book whose outbox it empties.
    ///   - interval: The wait between two steps.
    ///   - logger: Where it logs what it queued and why it could not.
    public init(book: OrderBook, interval: Duration = .seconds(1), logger: Logger) {
        self.book = book
        self.interval = interval
        self.logger = logger
    }

    /// Empties the outbox every `interval` until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    let queued = try await book.queuePendingOrders()
                    if queued > 0 {
                        logger.notice("outbox relay queued orders' tasks", metadata: ["orders": "\(queued)"])
                    }
                    failing = false
                } catch {
                    if Task.isCancelled { break }
                    // Once per outage, not every second: the orders stay in the outbox meanwhile.
                    if !failing {
                        logger.warning(
                            "outbox relay cannot queue tasks yet",
                            metadata: ["error": "\(String(describing: type(of: error)))"]
                        )
                    }
                    failing = true
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
