// zrpc-directory: a ServiceDirectory in a process of its own. Servers announce themselves to it
// (Server.Configuration.directory); clients find a service's servers through it
// (Client.Configuration.directory).
//
//   swift run zrpc-directory [ENDPOINT]    (default tcp://127.0.0.1:7000; the first line printed
//                                          names the bound endpoint)
//
// ZRPC_DIRECTORY_CURVE_SECRET_KEY_FILE and ZRPC_DIRECTORY_CURVE_ALLOW_LIST_FILE make it a CURVE
// server (docs/SECURITY.md). SIGTERM or SIGINT stops it. With ZRPC_EXIT_WITH_PARENT=1 it exits when
// its standard input closes.
import Configuration
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()

let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:7000"
var logger = Logger(label: "zrpc-directory")
logger.logLevel = .warning
var configuration = Server.Configuration(endpoints: [endpoint], logger: logger)
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    if let security = try TransportSecurity.read(environment, scope: "zrpc.directory", logger: logger) {
        configuration.security = security
    }
} catch {
    FileHandle.standardError.write(Data("zrpc-directory: \(error)\n".utf8))
    exit(2)
}
let server = Server(configuration: configuration, services: [ServiceDirectory()])
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        let bound = try await server.listeningEndpoints
        FileHandle.standardOutput.write(
            Data("zrpc-directory pid \(ProcessInfo.processInfo.processIdentifier) listening on \(bound[0])\n".utf8)
        )
        try await group.waitForAll()
    }
} catch {
    // For example plain text where ZRPC_REQUIRE_CURVE=1 is set, or an endpoint in use.
    FileHandle.standardError.write(Data("zrpc-directory: \(error)\n".utf8))
    exit(1)
}
