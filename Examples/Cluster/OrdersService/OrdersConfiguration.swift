import CatalogMessages
public import Configuration
public import ZRPC

/// Everything `cluster-orders` is configured with: its server, its database, its clients of the catalog
/// and the broker, and the outbox relay's interval. Start from ``defaults`` and ``apply(_:scope:)`` the
/// environment on top.
///
/// ```swift
/// import Configuration
/// var configuration = OrdersConfiguration.defaults
/// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()))
/// ```
public struct OrdersConfiguration: Sendable {
    /// The RPC server's settings (endpoints, limits, CURVE, …).
    public var server: Server.Configuration
    /// The SQLite file the orders (and their outbox) live in, created when missing.
    public var databasePath: String
    /// The client of the catalog service, which prices orders.
    public var catalog: Client.Configuration
    /// The client of the broker (`zrpc-broker`), where orders' tasks go.
    public var broker: Client.Configuration
    /// How long one enqueue may take while an order is placed (after it the order is answered as
    /// placed, and the relay queues its tasks).
    public var enqueueTimeout: Duration
    /// The wait between two runs of the outbox relay.
    public var outboxInterval: Duration

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - server: The RPC server's settings.
    ///   - databasePath: The SQLite file.
    ///   - catalog: The catalog's client.
    ///   - broker: The broker's client.
    ///   - enqueueTimeout: How long one enqueue may take while an order is placed.
    ///   - outboxInterval: The outbox relay's interval.
    public init(
        server: Server.Configuration,
        databasePath: String,
        catalog: Client.Configuration,
        broker: Client.Configuration,
        enqueueTimeout: Duration,
        outboxInterval: Duration
    ) {
        self.server = server
        self.databasePath = databasePath
        self.catalog = catalog
        self.broker = broker
        self.enqueueTimeout = enqueueTimeout
        self.outboxInterval = outboxInterval
    }

    /// Serves on `tcp://127.0.0.1:7300` with the orders in `orders.sqlite` in the working directory; the
    /// catalog at `tcp://127.0.0.1:7200`, the broker at `tcp://127.0.0.1:7100`; 500 ms per enqueue; the
    /// relay every second.
    public static var defaults: OrdersConfiguration {
        OrdersConfiguration(
            server: Server.Configuration(endpoints: ["tcp://127.0.0.1:7300"]),
            databasePath: "orders.sqlite",
            catalog: Client.Configuration(endpoints: ["tcp://127.0.0.1:7200"]),
            broker: Client.Configuration(endpoints: ["tcp://127.0.0.1:7100"]),
            enqueueTimeout: .milliseconds(500),
            outboxInterval: .seconds(1)
        )
    }

    /// Applies the settings found under `scope` in `config` on top of these; settings not found keep
    /// their values. A value that does not parse is an error naming the environment variable.
    ///
    /// | key under `scope` | environment variable for scope `orders` | sets |
    /// |---|---|---|
    /// | `database-path` | `ORDERS_DATABASE_PATH=/var/lib/orders.sqlite` | ``databasePath`` |
    /// | `catalog.endpoints`, `catalog.timeout-ms`, `catalog.getproduct.timeout-ms`, `catalog.breaker.…` | `ORDERS_CATALOG_ENDPOINTS=tcp://127.0.0.1:7200` | ``catalog``, through `Client.Configuration.apply(_:scope:methods:)` |
    /// | `broker.endpoints`, … | `ORDERS_BROKER_ENDPOINTS=tcp://127.0.0.1:7100` | ``broker`` |
    /// | `enqueue-timeout-ms` | `ORDERS_ENQUEUE_TIMEOUT_MS=500` | ``enqueueTimeout`` |
    /// | `outbox-interval-ms` | `ORDERS_OUTBOX_INTERVAL_MS=1000` | ``outboxInterval`` |
    /// | the server's keys (`endpoints`, `max-concurrent-calls`, …) | `ORDERS_ENDPOINTS=tcp://127.0.0.1:7300` | ``server`` |
    ///
    /// ```swift
    /// let environment = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
    ///     "ORDERS_CATALOG_ENDPOINTS": "tcp://10.0.0.5:7200",
    /// ]))
    /// var configuration = OrdersConfiguration.defaults
    /// try configuration.apply(environment)
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The service's name in the configuration (`orders`).
    /// - Throws: `ResilienceConfigurationError` naming the variable whose value is invalid.
    public mutating func apply(_ config: ConfigReader, scope: String = "orders") throws {
        try server.apply(config, scope: scope)
        try catalog.apply(config, scope: scope + ".catalog", methods: [Cluster_Catalog.Method.GetProduct.descriptor])
        try broker.apply(config, scope: scope + ".broker")
        let reader = ScopedReader(config: config, scope: scope)
        if let path = try reader.string("database-path") {
            let trimmed = path.trimmingWhitespace()
            guard !trimmed.isEmpty else {
                throw ResilienceConfigurationError("\(reader.describe("database-path")) is empty")
            }
            databasePath = trimmed
        }
        for (key, setting) in [("enqueue-timeout-ms", \Self.enqueueTimeout), ("outbox-interval-ms", \.outboxInterval)] {
            guard let value = try reader.milliseconds(key) else { continue }
            guard value > .zero else { throw ResilienceConfigurationError("\(reader.describe(key)) must be positive") }
            self[keyPath: setting] = value
        }
    }
}
