import Configuration
import OrdersService
import Testing
import WorkerService
import ZRPC

/// `cluster-orders`' and `cluster-worker`'s configuration from environment variables.
@Suite struct OrdersConfigurationTests {
    private func orders(_ variables: [String: String]) throws -> OrdersConfiguration {
        var configuration = OrdersConfiguration.defaults
        try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)))
        return configuration
    }

    private func worker(_ variables: [String: String]) throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration.defaults
        try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)))
        return configuration
    }

    @Test func ordersDefaultsAndVariables() throws {
        let defaults = try orders([:])
        #expect(defaults.server.endpoints == ["tcp://127.0.0.1:7300"] && defaults.databasePath == "orders.sqlite")
        #expect(defaults.catalog.endpoints == ["tcp://127.0.0.1:7200"])
        #expect(defaults.broker.endpoints == ["tcp://127.0.0.1:7100"])
        #expect(defaults.enqueueTimeout == .milliseconds(500) && defaults.outboxInterval == .seconds(1))
        let set = try orders([
            "ORDERS_ENDPOINTS": "tcp://127.0.0.1:7301", "ORDERS_DATABASE_PATH": "/tmp/o.sqlite",
            "ORDERS_CATALOG_ENDPOINTS": "tcp://127.0.0.1:7201", "ORDERS_BROKER_ENDPOINTS": "tcp://127.0.0.1:7101",
            "ORDERS_ENQUEUE_TIMEOUT_MS": "250", "ORDERS_OUTBOX_INTERVAL_MS": "200",
            "ORDERS_CATALOG_GETPRODUCT_TIMEOUT_MS": "300",
        ])
        #expect(set.server.endpoints == ["tcp://127.0.0.1:7301"] && set.databasePath == "/tmp/o.sqlite")
        #expect(set.catalog.endpoints == ["tcp://127.0.0.1:7201"] && set.broker.endpoints == ["tcp://127.0.0.1:7101"])
        #expect(set.enqueueTimeout == .milliseconds(250) && set.outboxInterval == .milliseconds(200))
        #expect(set.catalog.methodTimeouts["cluster.Catalog/GetProduct"] == .milliseconds(300))
    }

    @Test func workerDefaultsAndVariables() throws {
        let defaults = try worker([:])
        #expect(defaults.kind == nil && defaults.effectiveLedgerPath == nil)
        #expect(defaults.broker.endpoints == ["tcp://127.0.0.1:7100"] && defaults.faults == .none)
        let set = try worker([
            "WORKER_KIND": "notification", "WORKER_FAILURE_RATE": "0.2", "WORKER_PERMANENT_FAILURE_RATE": "0.05",
            "WORKER_DELAY_MS": "40", "WORKER_CONCURRENCY": "3", "WORKER_BROKER_ENDPOINTS": "tcp://127.0.0.1:7101",
        ])
        #expect(set.kind == .notification && set.effectiveLedgerPath == "notification-ledger.sqlite")
        #expect(set.faults == WorkerFaults(failureRate: 0.2, permanentFailureRate: 0.05, delay: .milliseconds(40)))
        #expect(set.concurrency == 3 && set.broker.endpoints == ["tcp://127.0.0.1:7101"])
    }

    @Test(arguments: [
        ["ORDERS_DATABASE_PATH": " "],
        ["ORDERS_CATALOG_ENDPOINTS": ","],
        ["ORDERS_OUTBOX_INTERVAL_MS": "0"],
        ["ORDERS_ENQUEUE_TIMEOUT_MS": "soon"],
    ])
    func anInvalidOrdersValueNamesItsVariable(_ variables: [String: String]) throws {
        let error = #expect(throws: ResilienceConfigurationError.self) { try orders(variables) }
        #expect(error?.message.contains(try #require(variables.keys.first)) == true)
    }

    @Test(arguments: [
        ["WORKER_KIND": "billing"],
        ["WORKER_FAILURE_RATE": "1.5"],
        ["WORKER_PERMANENT_FAILURE_RATE": "-0.1"],
        ["WORKER_CONCURRENCY": "0"],
        ["WORKER_DELAY_MS": "slow"],
    ])
    func anInvalidWorkerValueNamesItsVariable(_ variables: [String: String]) throws {
        let error = #expect(throws: ResilienceConfigurationError.self) { try worker(variables) }
        #expect(error?.message.contains(try #require(variables.keys.first)) == true)
    }
}
