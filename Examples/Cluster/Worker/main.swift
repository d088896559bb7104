// cluster-worker: runs the orders service's tasks (Examples/Cluster/README.md) in a process of its own:
// WORKER_KIND=payment captures payments, WORKER_KIND=notification sends confirmations. All the wiring is
// here: configuration → ledger → worker → QueueWorker on a client of the broker, a health server beside.
//
//   WORKER_KIND=payment swift run cluster-worker
//
// Configured from the environment (WorkerConfiguration.apply(_:scope:)): WORKER_KIND (required),
// WORKER_BROKER_ENDPOINTS (default tcp://127.0.0.1:7100), WORKER_LEDGER_PATH (default
// <kind>-ledger.sqlite), WORKER_CONCURRENCY (8), WORKER_FAILURE_RATE and WORKER_PERMANENT_FAILURE_RATE
// (0), WORKER_DELAY_MS (0), WORKER_GRACE_PERIOD_MS (10000), WORKER_ENDPOINTS for the health server
// (default tcp://127.0.0.1:*, a free port). An invalid value stops start-up with a message naming the
// variable (exit status 2). The first line printed names the health server's endpoint. SIGTERM or SIGINT
// stops it gracefully: no new task is taken, the tasks in hand finish (WORKER_GRACE_PERIOD_MS at most),
// then it detaches; the broker delivers again what was not acked. With ZRPC_EXIT_WITH_PARENT=1 it also
// exits when its standard input closes.
import Configuration
import Foundation
import Logging
import ServiceLifecycle
import WorkerService
import ZRPC
import ZRPCProcessKit
import ZRPCQueue

ExitWithParent.startIfRequested()

var logger = Logger(label: "cluster-worker")
var configuration = WorkerConfiguration.defaults
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "worker") ?? .notice
    try configuration.apply(environment, scope: "worker")
} catch {
    FileHandle.standardError.write(Data("cluster-worker: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.server.logger = logger
configuration.broker.logger = logger
guard let kind = configuration.kind, let ledgerPath = configuration.effectiveLedgerPath else {
    FileHandle.standardError.write(Data("cluster-worker: WORKER_KIND is not set: payment or notification\n".utf8))
    exit(2)
}
logger[metadataKey: "kind"] = "\(kind.rawValue)"

let ledger: EffectLedger
let brokerClient: Client
do {
    ledger = try await EffectLedger(path: ledgerPath)
    brokerClient = try Client(configuration: configuration.broker)
} catch {
    FileHandle.standardError.write(Data("cluster-worker: cannot start: \(error)\n".utf8))
    exit(1)
}
let gate = TaskGate()
let tasks = OrderTaskWorker(ledger: ledger, faults: configuration.faults, gate: gate, logger: logger)
let name = "cluster-worker-\(kind.rawValue)-\(ProcessInfo.processInfo.processIdentifier)"
let queueWorker = QueueWorker(
    client: brokerClient,
    handlers: tasks.handlers(for: kind),
    configuration: .init(name: name, concurrency: configuration.concurrency, logger: logger)
)
// The health service comes with the server; it reports ready once the ledger is open, which it is by now.
let server = Server(configuration: configuration.server, services: [])
// SIGTERM drains (WorkerDrain returns once the tasks in hand ended), then the server stops; the worker runs
// outside the group and is stopped after it, so no task in hand is cut off, and the broker's client last,
// so the worker's session call ends at the broker (which then hands its unanswered tasks to others) rather
// than staying open there until the broker's own grace period.
let services = ServiceGroup(
    services: [server, WorkerDrain(gate: gate, gracePeriod: configuration.gracePeriod)],
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger
)
let processName = "cluster-worker pid \(ProcessInfo.processInfo.processIdentifier)"
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await brokerClient.run() }
        try await withThrowingTaskGroup(of: Void.self) { working in
            working.addTask { try await services.run() }  // until SIGTERM or SIGINT, and the drain
            working.addTask { try await queueWorker.run() }
            let bound = try await server.listeningEndpoints
            logger.notice(
                "worker running",
                metadata: [
                    "health": "\(bound)", "queue": "\(kind.queue)", "ledger": "\(ledgerPath)",
                    "broker": "\(configuration.broker.endpoints)", "faults": "\(configuration.faults)",
                ]
            )
            FileHandle.standardOutput.write(
                Data(
                    "\(processName) listening on \(bound.joined(separator: ",")) kind \(kind.rawValue) ledger \(ledgerPath)\n"
                        .utf8
                )
            )
            try await working.next()  // the services end first: the drain is done
            working.cancelAll()  // ends the worker's session
        }
        brokerClient.beginGracefulShutdown()
        try await group.waitForAll()
    }
} catch {
    // For example an endpoint in use, or plain text where ZRPC_REQUIRE_CURVE=1 is set.
    FileHandle.standardError.write(Data("cluster-worker: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("\(processName) stopped\n".utf8))
