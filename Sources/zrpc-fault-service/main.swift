// zrpc-fault-service: the test kit's fault-injecting service in a process of its own.
//
//   swift run zrpc-fault-service [ENDPOINT]       (default tcp://127.0.0.1:*; the first line printed
//                                                 names the bound endpoint)
//
// Set faults remotely with zrpc.testkit.Faulty/Configure; read what it received with GetStats.
// With ZRPC_EXIT_WITH_PARENT=1 it exits when its standard input closes; with
// ZRPC_DIRECTORY=ENDPOINT it announces itself to that directory every 200 ms (lease 600 ms).
// SIGUSR1 makes it print the server's statistics on one line, `statistics malformedMessages=0 …`
// (every `ServerStatistics.Snapshot` counter), for tests that count what it dropped.
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
// Installed before the endpoint is printed, so a test that has the endpoint may signal at once.
signal(SIGUSR1, SIG_IGN)
let statisticsSignal = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
// @Sendable: not the main actor (top-level closures are), so it runs on the signal queue.
statisticsSignal.setEventHandler { @Sendable [statistics = server.statistics] in
    let counters = Mirror(reflecting: statistics.snapshot()).children.map { "\($0.label ?? "?")=\($0.value)" }
    FileHandle.standardOutput.write(Data("statistics \(counters.joined(separator: " "))\n".utf8))
}
statisticsSignal.resume()
let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    let bound = try await server.listeningEndpoints
    FileHandle.standardOutput.write(
        Data("zrpc-fault-service pid \(ProcessInfo.processInfo.processIdentifier) listening on \(bound[0])\n".utf8)
    )
    try await group.waitForAll()
}
