// zrpc-broker: a durable work-queue broker (QueueBroker) in a process of its own. Producers
// enqueue through it, workers attach to it; its tasks live in one SQLite file.
//
//   swift run zrpc-broker [ENDPOINT] [--database PATH] [--synchronous full|normal]
//
// ENDPOINT defaults to tcp://127.0.0.1:7100 (the first line printed names the bound endpoint),
// PATH to zrpc-broker.sqlite in the working directory. ZRPC_BROKER_DATABASE and
// ZRPC_BROKER_SYNCHRONOUS set the same when the flags are not given, and the other settings of
// `QueueBroker.Configuration.apply(_:scope:queues:)` under scope `zrpc.broker` the default delivery
// policy (ZRPC_BROKER_MAX_ATTEMPTS, ZRPC_BROKER_LEASE_MS, ZRPC_BROKER_BACKOFF_MAX_MS, …).
// ZRPC_BROKER_CURVE_SECRET_KEY_FILE and ZRPC_BROKER_CURVE_ALLOW_LIST_FILE make it a CURVE server
// (`TransportSecurity.read(_:scope:logger:)`, docs/SECURITY.md), and ZRPC_BROKER_AUTHORIZATION_FILE
// names a file of `<queue> enqueue|consume <key>…` rules (`QueueAuthorization`); ZRPC_BROKER_LOG_LEVEL
// the log level (notice by default). SIGTERM or SIGINT stops it; with
// ZRPC_EXIT_WITH_PARENT=1 it exits when its standard input closes.
import Configuration
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit
import ZRPCQueue

ExitWithParent.startIfRequested()

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
var logger = Logger(label: "zrpc-broker")
var configuration = QueueBroker.Configuration(databasePath: "zrpc-broker.sqlite", logger: logger)
let security: TransportSecurity?
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "zrpc.broker") ?? .notice
    configuration.logger = logger
    try configuration.apply(environment, scope: "zrpc.broker")
    security = try TransportSecurity.read(environment, scope: "zrpc.broker", logger: logger)
} catch {
    FileHandle.standardError.write(Data("zrpc-broker: \(error)\n".utf8))
    exit(2)
}
if let database = option("--database") { configuration.databasePath = database }
if let synchronousName = option("--synchronous") {
    guard let synchronous = QueueBroker.Synchronous(rawValue: synchronousName.lowercased()) else {
        FileHandle.standardError.write(
            Data("zrpc-broker: --synchronous is full or normal, not \(synchronousName)\n".utf8)
        )
        exit(2)
    }
    configuration.synchronous = synchronous
}
let database = configuration.databasePath
let endpoint = arguments.first ?? "tcp://127.0.0.1:7100"
logger.notice("zrpc-broker default delivery policy: \(configuration.defaultPolicy)")

let broker: QueueBroker
do {
    broker = try await QueueBroker(configuration: configuration)
} catch {
    FileHandle.standardError.write(Data("zrpc-broker: cannot open \(database): \(error)\n".utf8))
    exit(1)
}
var serverConfiguration = Server.Configuration(endpoints: [endpoint], logger: logger)
// Workers hold one call open for a whole session.
serverConfiguration.maxTimeout = .seconds(24 * 3_600)
if let security { serverConfiguration.security = security }
let server = Server(configuration: serverConfiguration, services: broker.services)
let services = ServiceGroup(services: [server, broker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        let bound = try await server.listeningEndpoints
        FileHandle.standardOutput.write(
            Data(
                "zrpc-broker pid \(ProcessInfo.processInfo.processIdentifier) listening on \(bound[0]) database \(database)\n"
                    .utf8
            )
        )
        try await group.waitForAll()
    }
} catch {
    // For example plain text where ZRPC_REQUIRE_CURVE=1 is set, or an endpoint in use.
    FileHandle.standardError.write(Data("zrpc-broker: \(error)\n".utf8))
    exit(1)
}
