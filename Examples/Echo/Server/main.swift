// echo-server: serves echo.Echo over ZRPC.
//
//   swift run echo-server [ENDPOINT…]        (or ECHO_ENDPOINTS, comma-separated; default tcp://127.0.0.1:5555)
//
// Binding `tcp://127.0.0.1:*` picks a free port; the first line printed names the bound endpoints.
// SIGTERM or SIGINT shuts down gracefully (calls in flight finish first). With ZRPC_EXIT_WITH_PARENT=1
// it also exits when its standard input closes (tests give it a pipe, so it never outlives them).
import EchoMessages
import EchoService
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()  // ZRPC_EXIT_WITH_PARENT=1: exit when the parent closes our stdin

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoints =
    arguments.isEmpty
    ? (ProcessInfo.processInfo.environment["ECHO_ENDPOINTS"] ?? "tcp://127.0.0.1:5555").split(separator: ",").map(
        String.init
    )
    : arguments
let name = "echo-server pid \(ProcessInfo.processInfo.processIdentifier)"

var logger = Logger(label: "echo-server")
logger.logLevel = .warning
let server = Server(
    configuration: .init(endpoints: endpoints, logger: logger),
    services: [EchoService(name: name), EchoStreamService(name: name)]
)
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }  // serves until SIGTERM or SIGINT
    let bound = try await server.listeningEndpoints
    FileHandle.standardOutput.write(Data("\(name) listening on \(bound.joined(separator: ","))\n".utf8))
    try await group.waitForAll()
}
FileHandle.standardOutput.write(Data("\(name) stopped\n".utf8))
