// cluster-catalog: the example cluster's catalog service (Examples/Cluster/README.md) in a process of
// its own. All the wiring is here: configuration → SQLite repository → service → handler → server.
//
//   swift run cluster-catalog
//
// Configured from the environment (CatalogConfiguration.apply(_:scope:)): CATALOG_ENDPOINTS (default
// tcp://127.0.0.1:7200; tcp://127.0.0.1:* picks a free port), CATALOG_DATABASE_PATH (default
// catalog.sqlite), and the server's other settings under CATALOG_. An invalid value stops start-up
// with a message naming the variable (exit status 2). The first line printed names the bound endpoint.
// SIGTERM or SIGINT shuts down gracefully (calls in flight finish first); with ZRPC_EXIT_WITH_PARENT=1
// it also exits when its standard input closes.
import CatalogService
import Configuration
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()

var logger = Logger(label: "cluster-catalog")
var configuration = CatalogConfiguration.defaults
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "catalog") ?? .notice
    try configuration.apply(environment, scope: "catalog")
} catch {
    FileHandle.standardError.write(Data("cluster-catalog: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.server.logger = logger

let repository: SQLiteProductRepository
do {
    repository = try await SQLiteProductRepository(path: configuration.databasePath)
} catch {
    FileHandle.standardError.write(
        Data("cluster-catalog: cannot open the database \(configuration.databasePath): \(error)\n".utf8)
    )
    exit(1)
}
let handler = CatalogHandler(catalog: ProductCatalog(repository: repository))
// The health service comes with the server; it reports ready once the database is open, which it is by now.
let server = Server(configuration: configuration.server, services: [handler])
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
let name = "cluster-catalog pid \(ProcessInfo.processInfo.processIdentifier)"
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }  // serves until SIGTERM or SIGINT
        let bound = try await server.listeningEndpoints
        logger.notice(
            "catalog serving",
            metadata: ["endpoints": "\(bound)", "database": "\(configuration.databasePath)"]
        )
        FileHandle.standardOutput.write(
            Data("\(name) listening on \(bound.joined(separator: ",")) database \(configuration.databasePath)\n".utf8)
        )
        try await group.waitForAll()
    }
} catch {
    // For example an endpoint in use, or plain text where ZRPC_REQUIRE_CURVE=1 is set.
    FileHandle.standardError.write(Data("cluster-catalog: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("\(name) stopped\n".utf8))
