// zrpc-directory: a ServiceDirectory in a process of its own. Servers announce themselves to it
// (Server.Configuration.directory); clients find a service's servers through it
// (Client.Configuration.directory).
//
//   swift run zrpc-directory [ENDPOINT]    (default tcp://127.0.0.1:7000; the first line printed
//                                          names the bound endpoint)
//
// SIGTERM or SIGINT stops it. With ZRPC_EXIT_WITH_PARENT=1 it exits when its standard input closes.
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()

let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:7000"
var logger = Logger(label: "zrpc-directory")
logger.logLevel = .warning
let server = Server(configuration: .init(endpoints: [endpoint], logger: logger), services: [ServiceDirectory()])
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    let bound = try await server.listeningEndpoints
    FileHandle.standardOutput.write(
        Data("zrpc-directory pid \(ProcessInfo.processInfo.processIdentifier) listening on \(bound[0])\n".utf8)
    )
    try await group.waitForAll()
}
