// cluster-edge: the example cluster's API edge (Examples/Cluster/README.md) in a process of its own.
// All the wiring is here: configuration → the catalog's client (cache → bulkhead → circuit breaker →
// deadline), kept correct across processes by a CacheInvalidator → Storefront; the orders service's
// client (its own bulkhead, circuit breaker, retry and deadline) → Checkout; both → handler → server.
//
//   swift run cluster-edge
//
// Configured from the environment (EdgeConfiguration.apply(_:scope:)): EDGE_ENDPOINTS (default
// tcp://127.0.0.1:7000), EDGE_CATALOG_ENDPOINTS (tcp://127.0.0.1:7200) and the catalog client's
// other EDGE_CATALOG_* settings, EDGE_ORDERS_ENDPOINTS (tcp://127.0.0.1:7300) and the other
// EDGE_ORDERS_* settings, EDGE_CACHE_TTL_MS, EDGE_FORWARDER_PUBLISHERS and
// EDGE_FORWARDER_SUBSCRIBERS (a zrpc-forwarder's, for cache invalidations). An invalid value stops
// start-up with a message naming the variable (exit status 2). The first line printed names the bound
// endpoint. SIGTERM or SIGINT shuts down gracefully; with ZRPC_EXIT_WITH_PARENT=1 it also exits when
// its standard input closes.
import CatalogMessages
import Configuration
import EdgeMessages
import EdgeService
import Foundation
import Logging
import OrdersMessages
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit
import ZRPCPubSub

ExitWithParent.startIfRequested()

var logger = Logger(label: "cluster-edge")
var configuration = EdgeConfiguration.defaults
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "edge") ?? .notice
    try configuration.apply(environment, scope: "edge")
} catch {
    FileHandle.standardError.write(Data("cluster-edge: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.server.logger = logger
configuration.catalog.logger = logger
configuration.orders.logger = logger

// Cache-aside in front of every resilience layer: a hit costs no permit and no traffic. A price
// changed through this edge updates its cache (write-through); the invalidator carries every change to
// the other processes' caches and theirs to this one.
let getProduct = Cluster_Catalog.Method.GetProduct.descriptor
let setPriceWritesThrough = WriteThrough(Cluster_Catalog.Method.SetPrice.descriptor) {
    (request: Cluster_SetPriceRequest, product: Cluster_Product) in
    [
        try .update(
            getProduct,
            request: Cluster_GetProductRequest(sku: request.sku),
            response: product,
            version: UInt64(clamping: product.version)
        )
    ]
}
let cache: CacheInterceptor
do {
    cache = try CacheInterceptor(
        methods: [getProduct],
        timeToLive: configuration.cacheTimeToLive,
        writeThrough: [setPriceWritesThrough]
    )
} catch {
    FileHandle.standardError.write(Data("cluster-edge: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.catalog.interceptors.insert(cache, at: 0)

let name = "cluster-edge pid \(ProcessInfo.processInfo.processIdentifier)"
do {
    let invalidator: CacheInvalidator? =
        if let forwarder = configuration.invalidationForwarder {
            try await CacheInvalidator(
                name: "cluster-products",
                cache: cache,
                publishTo: forwarder.publishers,
                subscribeTo: forwarder.subscribers,
                logger: logger
            )
        } else {
            nil
        }
    let catalogClient = try Client(configuration: configuration.catalog)
    let ordersClient = try Client(configuration: configuration.orders)
    let storefront = Storefront(catalog: Cluster_Catalog.Client(wrapping: catalogClient))
    let checkout = Checkout(orders: Cluster_Orders.Client(wrapping: ordersClient))
    @Sendable func circuit(_ client: Client) -> String {
        switch client.resilience.circuitBreaker?.state {
        case .open?: "open"
        case .halfOpen?: "half-open"
        default: "closed"
        }
    }
    let handler = StorefrontHandler(storefront: storefront, checkout: checkout) {
        let counted = storefront.statistics
        let orders = checkout.statistics
        let fetches = UInt64(cache.fetches)
        return Cluster_Edge_EdgeStats(
            cacheHits: counted.catalogReads > fetches ? counted.catalogReads - fetches : 0,
            cacheFetches: fetches,
            degradedAnswers: counted.degradedAnswers,
            invalidationsApplied: UInt64(invalidator?.statistics.applied ?? 0),
            cacheFlushes: UInt64(cache.flushes),
            catalogCircuit: circuit(catalogClient),
            ordersPlaced: orders.placed,
            ordersFailed: orders.failed,
            ordersCircuit: circuit(ordersClient)
        )
    }
    let server = Server(configuration: configuration.server, services: [handler])
    let services: [any Service] = [catalogClient, ordersClient, server] + (invalidator.map { [$0] } ?? [])
    let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }  // serves until SIGTERM or SIGINT
        let bound = try await server.listeningEndpoints
        logger.notice(
            "edge serving",
            metadata: [
                "endpoints": "\(bound)", "catalog": "\(configuration.catalog.endpoints)",
                "orders": "\(configuration.orders.endpoints)",
            ]
        )
        FileHandle.standardOutput.write(Data("\(name) listening on \(bound.joined(separator: ","))\n".utf8))
        try await tasks.waitForAll()
    }
} catch {
    // For example an endpoint in use, or a forwarder that never answered.
    FileHandle.standardError.write(Data("cluster-edge: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("\(name) stopped\n".utf8))
