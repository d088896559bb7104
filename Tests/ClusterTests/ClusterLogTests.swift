import EdgeMessages
import Foundation
import Testing
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// The whole cluster as `Scripts/run-cluster.sh` starts it (forwarder, catalog, broker, orders
/// service, both workers, the scheduler and an edge), each process at trace level with every log line
/// it writes captured: orders with emails and card numbers go in through the edge, good and bad ones,
/// and no line of any process carries one of them.
@Suite struct ClusterLogTests {
    @Test func noProcessOfTheClusterLogsPersonalDataOrSecrets() async throws {
        try await withTemporaryDirectory { directory in
            func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
            var children: [ChildProcess] = []
            func start(
                _ name: String,
                _ arguments: [String] = [],
                _ environment: [String: String]
            ) async throws
                -> ChildProcess
            {
                let child = try await ChildProcess.start(
                    name,
                    arguments: arguments,
                    environment: environment.merging(["ASAN_OPTIONS": "detect_leaks=0"]) { $1 },
                    capturingLogs: true
                )
                children.append(child)
                return child
            }
            var secrets: [String] = []
            do {
                let forwarder = try await start(
                    "zrpc-forwarder",
                    ["--publishers", "tcp://127.0.0.1:*", "--subscribers", "tcp://127.0.0.1:*"],
                    ["ZRPC_FORWARDER_LOG_LEVEL": "trace"]
                )
                let subscribers = try #require(
                    forwarder.printedText.firstMatch(of: /subscribers (tcp:\/\/\S+)/).map { String($0.1) }
                )
                let catalog = try await start(
                    "cluster-catalog",
                    [],
                    [
                        "CATALOG_LOG_LEVEL": "trace", "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*",
                        "CATALOG_DATABASE_PATH": path("catalog.sqlite"),
                    ]
                )
                let broker = try await start(
                    "zrpc-broker",
                    ["tcp://127.0.0.1:*", "--database", path("broker.sqlite")],
                    ["ZRPC_BROKER_LOG_LEVEL": "trace"]
                )
                let orders = try await start(
                    "cluster-orders",
                    [],
                    [
                        "ORDERS_LOG_LEVEL": "trace", "ORDERS_ENDPOINTS": "tcp://127.0.0.1:*",
                        "ORDERS_DATABASE_PATH": path("orders.sqlite"), "ORDERS_CATALOG_ENDPOINTS": catalog.endpoint,
                        "ORDERS_BROKER_ENDPOINTS": broker.endpoint, "ORDERS_CATALOG_GETPRODUCT_TIMEOUT_MS": "10000",
                    ]
                )
                for (kind, faults) in [("payment", ["WORKER_FAILURE_RATE": "0.3"]), ("notification", [:])] {
                    _ = try await start(
                        "cluster-worker",
                        [],
                        faults.merging([
                            "WORKER_LOG_LEVEL": "trace", "WORKER_KIND": kind,
                            "WORKER_BROKER_ENDPOINTS": broker.endpoint,
                            "WORKER_LEDGER_PATH": path("\(kind)-ledger.sqlite"),
                        ]) { $1 }
                    )
                }
                _ = try await start(
                    "cluster-scheduler",
                    [],
                    [
                        "SCHEDULER_LOG_LEVEL": "trace", "SCHEDULER_ENDPOINTS": "tcp://127.0.0.1:*",
                        "SCHEDULER_ORDERS_ENDPOINTS": orders.endpoint, "SCHEDULER_RECONCILE_EVERY_MS": "1000",
                    ]
                )
                let edge = try await start(
                    "cluster-edge",
                    [],
                    [
                        "EDGE_LOG_LEVEL": "trace", "EDGE_ENDPOINTS": "tcp://127.0.0.1:*",
                        "EDGE_CATALOG_ENDPOINTS": catalog.endpoint, "EDGE_ORDERS_ENDPOINTS": orders.endpoint,
                        "EDGE_FORWARDER_PUBLISHERS": forwarder.endpoint, "EDGE_FORWARDER_SUBSCRIBERS": subscribers,
                        // Generous: a machine busy with other work must not fail the test with a deadline.
                        "EDGE_CATALOG_GETPRODUCT_TIMEOUT_MS": "10000", "EDGE_CATALOG_SETPRICE_TIMEOUT_MS": "10000",
                        "EDGE_ORDERS_PLACEORDER_TIMEOUT_MS": "10000",
                    ]
                )
                let (edgeEndpoint, brokerEndpoint) = (edge.endpoint, broker.endpoint)
                secrets = try await within(.seconds(120), "orders placed and their tasks settled") {
                    try await Self.placeOrders(through: edgeEndpoint, thenDrain: brokerEndpoint)
                }
            } catch {
                for child in children.reversed() { await child.stop() }
                throw error
            }
            // SIGTERM, the last started first: the shutdown's lines are part of what is checked.
            for child in children.reversed() { await child.stop() }
            let logs = children.map(\.loggedText)
            #expect(logs.allSatisfy { !$0.isEmpty }, "every process logged at trace level")
            #expect(logs.joined().contains("order placed"))
            for secret in secrets {
                for (child, text) in zip(children, logs) where text.contains(secret) {
                    Issue.record("\(child.printedText.prefix(40)) logged \(secret)")
                }
            }
            #expect(!logs.joined().contains("@example.com"))
        }
    }

    /// Places 10 good orders and 3 refused ones through the edge, views and changes a price, waits for
    /// the broker's queues to drain; the emails and card numbers it sent (whole, and the card numbers'
    /// last 8 digits).
    private static func placeOrders(
        through edgeEndpoint: String,
        thenDrain brokerEndpoint: String
    ) async throws
        -> [String]
    {
        var secrets: [String] = []
        var configuration = Client.Configuration(endpoints: [edgeEndpoint], defaultTimeout: .seconds(30))
        configuration.logger.logLevel = .critical
        try await Client.withClient(configuration: configuration) { client in
            let edge = Cluster_Edge_Storefront.Client(wrapping: client)
            let generous = CallOptions(timeout: .seconds(30))
            _ = try await edge.viewProduct(.init(sku: "SKU-1001"), options: generous)
            _ = try await edge.changePrice(.init(sku: "SKU-1002", priceCents: 1_999), options: generous)
            var orders: [Cluster_Edge_PlaceOrderRequest] = (1...10).map { index in
                .init(
                    customerEmail: "customer.\(index).secret@example.com",
                    cardNumber: luhnCardNumber(index),
                    sku: "SKU-100\(index % 5 + 1)",
                    quantity: 1
                )
            }
            let refused: [Cluster_Edge_PlaceOrderRequest] = [
                .init(
                    customerEmail: "refused.secret@example.com",
                    cardNumber: "4000123412341235",
                    sku: "SKU-1001",
                    quantity: 1
                ),
                .init(
                    customerEmail: "not an address secret",
                    cardNumber: luhnCardNumber(77),
                    sku: "SKU-1001",
                    quantity: 1
                ),
                .init(
                    customerEmail: "unknown.sku.secret@example.com",
                    cardNumber: luhnCardNumber(78),
                    sku: "SKU-9",
                    quantity: 1
                ),
            ]
            orders += refused
            for order in orders {
                secrets += [order.customerEmail, order.cardNumber, String(order.cardNumber.suffix(8))]
            }
            for order in orders.dropLast(refused.count) {
                _ = try await edge.placeOrder(order, options: generous)
            }
            for order in refused {
                await #expect(throws: RPCError.self) { try await edge.placeOrder(order, options: generous) }
            }
        }
        var brokerConfiguration = Client.Configuration(endpoints: [brokerEndpoint], defaultTimeout: .seconds(10))
        brokerConfiguration.logger.logLevel = .critical
        try await Client.withClient(configuration: brokerConfiguration) { client in
            let admin = Zrpc_Queue_Admin.Client(wrapping: client)
            while true {
                let queues = try await admin.stats(.init()).queues
                let settled = queues.reduce(0) { $0 + $1.acked + $1.deadLettered }
                if queues.count == 2, settled == 20 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return secrets
    }
}
