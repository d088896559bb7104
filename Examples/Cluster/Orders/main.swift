// cluster-orders: the example cluster's orders service (Examples/Cluster/README.md) in a process of its
// own. All the wiring is here: configuration → SQLite repository, catalog client, broker producer →
// order book → handler → server, and the outbox relay beside it.
//
//   swift run cluster-orders
//
// Configured from the environment (OrdersConfiguration.apply(_:scope:)): ORDERS_ENDPOINTS (default
// tcp://127.0.0.1:7300; tcp://127.0.0.1:* picks a free port), ORDERS_DATABASE_PATH (default
// orders.sqlite), ORDERS_CATALOG_ENDPOINTS (default tcp://127.0.0.1:7200), ORDERS_BROKER_ENDPOINTS
// (default tcp://127.0.0.1:7100), ORDERS_ENQUEUE_TIMEOUT_MS (500), ORDERS_OUTBOX_INTERVAL_MS (1000), and
// the server's and clients' other settings under ORDERS_, ORDERS_CATALOG_ and ORDERS_BROKER_. An invalid
// value stops start-up with a message naming the variable (exit status 2). The first line printed names
// the bound endpoint. SIGTERM or SIGINT shuts down gracefully (the relay stops, calls in flight finish,
// then the clients close); with ZRPC_EXIT_WITH_PARENT=1 it also exits when its standard input closes.
import CatalogMessages
import Configuration
import Foundation
import Logging
import OrdersMessages
import OrdersService
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()

var logger = Logger(label: "cluster-orders")
var configuration = OrdersConfiguration.defaults
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "orders") ?? .notice
    try configuration.apply(environment, scope: "orders")
} catch {
    FileHandle.standardError.write(Data("cluster-orders: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.server.logger = logger
configuration.catalog.logger = logger
configuration.broker.logger = logger

let repository: SQLiteOrderRepository
let catalogClient: Client
let brokerClient: Client
do {
    repository = try await SQLiteOrderRepository(path: configuration.databasePath)
    catalogClient = try Client(configuration: configuration.catalog)
    brokerClient = try Client(configuration: configuration.broker)
} catch {
    FileHandle.standardError.write(Data("cluster-orders: cannot start: \(error)\n".utf8))
    exit(1)
}
let book = OrderBook(
    repository: repository,
    prices: CatalogPriceLookup(catalog: Cluster_Catalog.Client(wrapping: catalogClient)),
    tasks: BrokerTaskEnqueuer(
        producer: Cluster_OrderTasks.Producer(client: brokerClient),
        timeout: configuration.enqueueTimeout
    ),
    logger: logger
)
// The health service comes with the server; it reports ready once the database is open, which it is by now.
let server = Server(configuration: configuration.server, services: [OrdersHandler(book: book)])
let relay = OutboxRelay(book: book, interval: configuration.outboxInterval, logger: logger)
// Shut down in reverse: the relay, then the server (its calls in flight finish), then the clients they use.
let services = ServiceGroup(
    services: [catalogClient, brokerClient, server, relay],
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger
)
let name = "cluster-orders pid \(ProcessInfo.processInfo.processIdentifier)"
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }  // serves until SIGTERM or SIGINT
        let bound = try await server.listeningEndpoints
        logger.notice(
            "orders serving",
            metadata: [
                "endpoints": "\(bound)", "database": "\(configuration.databasePath)",
                "catalog": "\(configuration.catalog.endpoints)", "broker": "\(configuration.broker.endpoints)",
            ]
        )
        FileHandle.standardOutput.write(
            Data("\(name) listening on \(bound.joined(separator: ",")) database \(configuration.databasePath)\n".utf8)
        )
        try await group.waitForAll()
    }
} catch {
    // For example an endpoint in use, or plain text where ZRPC_REQUIRE_CURVE=1 is set.
    FileHandle.standardError.write(Data("cluster-orders: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("\(name) stopped\n".utf8))
