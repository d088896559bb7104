import CatalogMessages
import Configuration
import EdgeService
import Testing
import ZRPC

@Suite struct EdgeConfigurationTests {
    private func reading(_ variables: [String: String]) throws -> EdgeConfiguration {
        var configuration = EdgeConfiguration.defaults
        try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)))
        return configuration
    }

    @Test func theDefaultsGiveEveryCatalogAndOrdersCallADeadlineABulkheadAndABreaker() {
        let configuration = EdgeConfiguration.defaults
        #expect(configuration.server.endpoints == ["tcp://127.0.0.1:7000"])
        #expect(configuration.catalog.endpoints == ["tcp://127.0.0.1:7200"])
        #expect(configuration.catalog.resilience.bulkhead != nil)
        #expect(configuration.catalog.resilience.circuitBreaker != nil)
        #expect(configuration.catalog.methodTimeouts[Cluster_Catalog.Method.SetPrice.descriptor.fullName] != nil)
        #expect(configuration.invalidationForwarder == nil)
        #expect(configuration.orders.endpoints == ["tcp://127.0.0.1:7300"])
        #expect(configuration.orders.resilience.bulkhead?.maxConcurrentCalls == 16)
        #expect(configuration.orders.resilience.circuitBreaker != nil)
    }

    @Test func theEnvironmentSetsTheServerBothClientsTheCacheAndTheForwarder() throws {
        let configuration = try reading([
            "EDGE_ENDPOINTS": "tcp://127.0.0.1:7101",
            "EDGE_CATALOG_ENDPOINTS": "tcp://127.0.0.1:7201,tcp://127.0.0.1:7202",
            "EDGE_CATALOG_BULKHEAD_MAX_CONCURRENT": "4",
            "EDGE_CACHE_TTL_MS": "1500",
            "EDGE_ORDERS_ENDPOINTS": "tcp://127.0.0.1:7301",
            "EDGE_ORDERS_BULKHEAD_MAX_CONCURRENT": "2",
            "EDGE_FORWARDER_PUBLISHERS": "tcp://127.0.0.1:7300",
            "EDGE_FORWARDER_SUBSCRIBERS": "tcp://127.0.0.1:7301",
        ])
        #expect(configuration.server.endpoints == ["tcp://127.0.0.1:7101"])
        #expect(configuration.catalog.endpoints == ["tcp://127.0.0.1:7201", "tcp://127.0.0.1:7202"])
        #expect(configuration.catalog.resilience.bulkhead?.maxConcurrentCalls == 4)
        #expect(configuration.cacheTimeToLive == .milliseconds(1_500))
        #expect(configuration.orders.endpoints == ["tcp://127.0.0.1:7301"])
        #expect(configuration.orders.resilience.bulkhead?.maxConcurrentCalls == 2)
        #expect(configuration.invalidationForwarder?.publishers == "tcp://127.0.0.1:7300")
        #expect(configuration.invalidationForwarder?.subscribers == "tcp://127.0.0.1:7301")
    }

    @Test(
        "an invalid value is refused, naming the variable",
        arguments: [
            (["EDGE_CACHE_TTL_MS": "soon"], "EDGE_CACHE_TTL_MS"),
            (["EDGE_CACHE_TTL_MS": "0"], "EDGE_CACHE_TTL_MS"),
            (["EDGE_FORWARDER_PUBLISHERS": "tcp://127.0.0.1:7300"], "EDGE_FORWARDER_SUBSCRIBERS"),
            (["EDGE_CATALOG_TIMEOUT_MS": "fast"], "EDGE_CATALOG_TIMEOUT_MS"),
        ]
    )
    func invalidValues(variables: [String: String], named: String) {
        let error = #expect(throws: ResilienceConfigurationError.self) { try reading(variables) }
        #expect(error?.message.contains(named) == true, "\(String(describing: error))")
    }
}
