// zrpc-fault-service: the test kit's fault-injecting service in a process of its own.
//
//   swift run zrpc-fault-service [ENDPOINT]       (default tcp://127.0.0.1:*; the first line printed
//                                                 names the bound endpoint)
//
// Set faults remotely with zrpc.testkit.Faulty/Configure; read what it received with GetStats.
// With ZRPC_EXIT_WITH_PARENT=1 it exits when its standard input closes; with
// ZRPC_DIRECTORY=ENDPOINT it announces itself to that directory every 200 ms (lease 600 ms).
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit
import ZRPCTestKit

ExitWithParent.startIfRequested()  // ZRPC_EXIT_WITH_PARENT=1: exit when the parent closes our stdin

let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:*"
var logger = Logger(label: "zrpc-fault-service")
logger.logLevel = .warning
let server = Server(
    configuration: .init(endpoints: [endpoint], logger: logger),
    services: [FaultyService(), StreamService()]
)
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    let bound = try await server.listeningEndpoints
    FileHandle.standardOutput.write(
        Data("zrpc-fault-service pid \(ProcessInfo.processInfo.processIdentifier) listening on \(bound[0])\n".utf8)
    )
    try await group.waitForAll()
}
