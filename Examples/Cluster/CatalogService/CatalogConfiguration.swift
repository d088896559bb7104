public import Configuration
public import ZRPC

/// Everything `cluster-catalog` is configured with: its server and its database. Start from
/// ``defaults`` and ``apply(_:scope:)`` the environment on top.
///
/// ```swift
/// import Configuration
/// var configuration = CatalogConfiguration.defaults
/// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()))
/// ```
public struct CatalogConfiguration: Sendable {
    /// The RPC server's settings (endpoints, limits, CURVE, …).
    public var server: Server.Configuration
    /// The SQLite file the products live in (created and seeded when missing).
    public var databasePath: String

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - server: The RPC server's settings.
    ///   - databasePath: The SQLite file.
    public init(server: Server.Configuration, databasePath: String) {
        self.server = server
        self.databasePath = databasePath
    }

    /// Serves on `tcp://127.0.0.1:7200` with the products in `catalog.sqlite` in the working directory.
    public static var defaults: CatalogConfiguration {
        CatalogConfiguration(
            server: Server.Configuration(endpoints: ["tcp://127.0.0.1:7200"]),
            databasePath: "catalog.sqlite"
        )
    }

    /// Applies the settings found under `scope` in `config` on top of these; settings not found keep
    /// their values. A value that does not parse is an error naming the environment variable.
    ///
    /// | key under `scope` | environment variable for scope `catalog` | sets |
    /// |---|---|---|
    /// | `database-path` | `CATALOG_DATABASE_PATH=/var/lib/catalog.sqlite` | ``databasePath`` |
    /// | the server's keys (`endpoints`, `max-concurrent-calls`, …) | `CATALOG_ENDPOINTS=tcp://127.0.0.1:7200` | ``server``, through `Server.Configuration.apply(_:scope:)` |
    ///
    /// ```swift
    /// let environment = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
    ///     "CATALOG_DATABASE_PATH": "/tmp/catalog.sqlite",
    /// ]))
    /// var configuration = CatalogConfiguration.defaults
    /// try configuration.apply(environment)
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The service's name in the configuration (`catalog`).
    /// - Throws: `ResilienceConfigurationError` naming the variable whose value is invalid.
    public mutating func apply(_ config: ConfigReader, scope: String = "catalog") throws {
        try server.apply(config, scope: scope)
        let reader = ScopedReader(config: config, scope: scope)
        if let path = try reader.string("database-path") {
            let trimmed = path.trimmingWhitespace()
            guard !trimmed.isEmpty else {
                throw ResilienceConfigurationError("\(reader.describe("database-path")) is empty")
            }
            databasePath = trimmed
        }
    }
}
