import CatalogMessages
public import Configuration
import OrdersMessages
public import ZRPC

/// Everything `cluster-edge` is configured with: its server, its clients of the catalog and of the
/// orders service (each with its own resilience layers), its cache, and the forwarder that carries cache invalidations. Start from
/// ``defaults`` and ``apply(_:scope:)`` the environment on top.
///
/// ```swift
/// import Configuration
/// var configuration = EdgeConfiguration.defaults
/// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()))
/// ```
public struct EdgeConfiguration: Sendable {
    /// The edge's RPC server (endpoints, limits, …).
    public var server: Server.Configuration
    /// The catalog's client: endpoints, deadline, bulkhead, circuit breaker, retry.
    public var catalog: Client.Configuration
    /// The orders service's client: endpoints, deadline, bulkhead, circuit breaker, retry.
    public var orders: Client.Configuration
    /// How long a cached product view stays fresh without an invalidation.
    public var cacheTimeToLive: Duration
    /// The forwarder's publisher and subscriber endpoints for cache invalidations, or nil to cache
    /// with the time to live alone (each edge then serves its own copy until it expires).
    public var invalidationForwarder: (publishers: String, subscribers: String)?

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - server: The edge's server.
    ///   - catalog: The catalog's client.
    ///   - orders: The orders service's client.
    ///   - cacheTimeToLive: How long a cached view stays fresh.
    ///   - invalidationForwarder: The forwarder's endpoints, or nil.
    public init(
        server: Server.Configuration,
        catalog: Client.Configuration,
        orders: Client.Configuration,
        cacheTimeToLive: Duration,
        invalidationForwarder: (publishers: String, subscribers: String)?
    ) {
        self.server = server
        self.catalog = catalog
        self.orders = orders
        self.cacheTimeToLive = cacheTimeToLive
        self.invalidationForwarder = invalidationForwarder
    }

    /// Serves on `tcp://127.0.0.1:7000`; the catalog at `tcp://127.0.0.1:7200` with a 500 ms
    /// deadline per view (the catalog's `.proto` says so) and per price change, a bulkhead of 32 calls
    /// (64 more may wait 50 ms), and a circuit breaker that opens for 2 s when half of the last 5 s of
    /// calls failed (5 at least); the orders service at `tcp://127.0.0.1:7300` with the deadline and
    /// retries its `.proto` gives `PlaceOrder` (2 s, 3 attempts), a bulkhead of 16 calls (32 more may
    /// wait 100 ms) and a circuit breaker of its own like the catalog's; a 30 s cache; no forwarder.
    public static var defaults: EdgeConfiguration {
        var catalog = Client.Configuration(endpoints: ["tcp://127.0.0.1:7200"], defaultTimeout: .seconds(2))
        catalog.methodTimeouts = [Cluster_Catalog.Method.SetPrice.descriptor.fullName: .milliseconds(500)]
        catalog.resilience.bulkhead = .init(maxConcurrentCalls: 32, maxQueuedCalls: 64, maxWait: .milliseconds(50))
        catalog.resilience.circuitBreaker = .init(
            failureRateThreshold: 0.5,
            minimumCalls: 5,
            window: .time(.seconds(5)),
            openDuration: .seconds(2),
            halfOpenProbes: 2
        )
        var orders = Client.Configuration(endpoints: ["tcp://127.0.0.1:7300"], defaultTimeout: .seconds(2))
        orders.resilience.bulkhead = .init(maxConcurrentCalls: 16, maxQueuedCalls: 32, maxWait: .milliseconds(100))
        orders.resilience.circuitBreaker = catalog.resilience.circuitBreaker
        return EdgeConfiguration(
            server: Server.Configuration(endpoints: ["tcp://127.0.0.1:7000"]),
            catalog: catalog,
            orders: orders,
            cacheTimeToLive: .seconds(30),
            invalidationForwarder: nil
        )
    }

    /// Applies the settings found under `scope` in `config` on top of these; settings not found keep
    /// their values. A value that does not parse is an error naming the environment variable.
    ///
    /// | key under `scope` | environment variable for scope `edge` | sets |
    /// |---|---|---|
    /// | the server's keys (`endpoints`, `max-concurrent-calls`, …) | `EDGE_ENDPOINTS=tcp://127.0.0.1:7000` | ``server`` |
    /// | `catalog.` + a client's keys (`endpoints`, `timeout-ms`, `getproduct.timeout-ms`, `setprice.timeout-ms`, `breaker.*`, `bulkhead.*`, `retry.*`) | `EDGE_CATALOG_ENDPOINTS=tcp://127.0.0.1:7200` | ``catalog`` |
    /// | `orders.` + a client's keys (`placeorder.timeout-ms`, …) | `EDGE_ORDERS_ENDPOINTS=tcp://127.0.0.1:7300` | ``orders`` |
    /// | `cache-ttl-ms` | `EDGE_CACHE_TTL_MS=30000` | ``cacheTimeToLive`` |
    /// | `forwarder.publishers`, `forwarder.subscribers` (both or neither) | `EDGE_FORWARDER_PUBLISHERS=tcp://127.0.0.1:7300` | ``invalidationForwarder`` |
    ///
    /// ```swift
    /// var configuration = EdgeConfiguration.defaults
    /// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
    ///     "EDGE_CATALOG_ENDPOINTS": "tcp://127.0.0.1:7201",
    /// ])))
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The service's name in the configuration (`edge`).
    /// - Throws: `ResilienceConfigurationError` naming the variable whose value is invalid.
    public mutating func apply(_ config: ConfigReader, scope: String = "edge") throws {
        try server.apply(config, scope: scope)
        try catalog.apply(
            config,
            scope: scope + ".catalog",
            methods: [Cluster_Catalog.Method.GetProduct.descriptor, Cluster_Catalog.Method.SetPrice.descriptor]
        )
        try orders.apply(config, scope: scope + ".orders", methods: [Cluster_Orders.Method.PlaceOrder.descriptor])
        let reader = ScopedReader(config: config, scope: scope)
        if let ttl = try reader.milliseconds("cache-ttl-ms") {
            guard ttl > .zero else {
                throw ResilienceConfigurationError("\(reader.describe("cache-ttl-ms")) must be above 0")
            }
            cacheTimeToLive = ttl
        }
        let publishers = try reader.string("forwarder.publishers")
        let subscribers = try reader.string("forwarder.subscribers")
        switch (publishers, subscribers) {
        case (let publishers?, let subscribers?):
            invalidationForwarder = (publishers.trimmingWhitespace(), subscribers.trimmingWhitespace())
        case (nil, nil):
            break
        default:
            throw ResilienceConfigurationError(
                "set both \(reader.describe("forwarder.publishers")) and \(reader.describe("forwarder.subscribers")), or neither"
            )
        }
    }
}
