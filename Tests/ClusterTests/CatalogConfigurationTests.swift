import CatalogService
import Configuration
import Testing
import ZRPC

/// `cluster-catalog`'s configuration from environment variables.
@Suite struct CatalogConfigurationTests {
    private func applied(_ variables: [String: String]) throws -> CatalogConfiguration {
        var configuration = CatalogConfiguration.defaults
        try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables)))
        return configuration
    }

    @Test func defaultsWhenNothingIsSet() throws {
        let configuration = try applied([:])
        #expect(configuration.server.endpoints == ["tcp://127.0.0.1:7200"])
        #expect(configuration.databasePath == "catalog.sqlite")
    }

    @Test func readsTheEndpointsAndTheDatabasePath() throws {
        let configuration = try applied([
            "CATALOG_ENDPOINTS": "tcp://127.0.0.1:7300, ipc:///tmp/catalog",
            "CATALOG_DATABASE_PATH": "/tmp/products.sqlite",
        ])
        #expect(configuration.server.endpoints == ["tcp://127.0.0.1:7300", "ipc:///tmp/catalog"])
        #expect(configuration.databasePath == "/tmp/products.sqlite")
    }

    @Test(arguments: [
        ["CATALOG_DATABASE_PATH": "  "],
        ["CATALOG_ENDPOINTS": ","],
        ["CATALOG_MAX_CONCURRENT_CALLS": "many"],
    ])
    func anInvalidValueNamesItsVariable(_ variables: [String: String]) throws {
        let error = #expect(throws: ResilienceConfigurationError.self) { try applied(variables) }
        let variable = try #require(variables.keys.first)
        #expect(error?.message.contains(variable) == true)
    }
}
