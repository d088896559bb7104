// cluster-scheduler: the example cluster's scheduler (Examples/Cluster/README.md) in a process of its
// own: a cron job that reconciles the orders service's outbox with the broker. All the wiring is here:
// configuration → the orders service's client → ReconciliationJob → JobScheduler, and a server that
// answers health and readiness.
//
//   swift run cluster-scheduler
//
// Configured from the environment (SchedulerConfiguration.apply(_:scope:)): SCHEDULER_ENDPOINTS
// (default tcp://127.0.0.1:7500), SCHEDULER_ORDERS_ENDPOINTS (tcp://127.0.0.1:7300) and the client's
// other SCHEDULER_ORDERS_* settings, SCHEDULER_RECONCILE_EVERY_MS (5000) or SCHEDULER_RECONCILE_CRON
// (five fields, UTC). An invalid value stops start-up with a message naming the variable (exit status
// 2). The first line printed names the bound endpoint; the last, the job's counts. SIGTERM or SIGINT
// shuts down gracefully (a run in progress finishes); with ZRPC_EXIT_WITH_PARENT=1 it also exits when
// its standard input closes.
import Configuration
import Foundation
import Logging
import OrdersMessages
import SchedulerService
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit

ExitWithParent.startIfRequested()

var logger = Logger(label: "cluster-scheduler")
var configuration = SchedulerConfiguration.defaults
do {
    let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(environment, scope: "scheduler") ?? .notice
    try configuration.apply(environment, scope: "scheduler")
} catch {
    FileHandle.standardError.write(Data("cluster-scheduler: invalid configuration: \(error)\n".utf8))
    exit(2)
}
configuration.server.logger = logger
configuration.orders.logger = logger

let name = "cluster-scheduler pid \(ProcessInfo.processInfo.processIdentifier)"
let job: ReconciliationJob
do {
    let ordersClient = try Client(configuration: configuration.orders)
    job = ReconciliationJob(orders: Cluster_Orders.Client(wrapping: ordersClient), logger: logger)
    let scheduler = JobScheduler(name: "reconcile-orders", trigger: configuration.reconcile, logger: logger) { fire in
        await job.run(fire: fire)
    }
    // The server answers health and readiness only.
    let server = Server(configuration: configuration.server, services: [])
    let group = ServiceGroup(
        services: [ordersClient, server, scheduler],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }  // runs until SIGTERM or SIGINT
        let bound = try await server.listeningEndpoints
        logger.notice(
            "scheduler running",
            metadata: ["endpoints": "\(bound)", "reconcile": "\(configuration.reconcile)"]
        )
        FileHandle.standardOutput.write(Data("\(name) listening on \(bound.joined(separator: ","))\n".utf8))
        try await tasks.waitForAll()
    }
} catch {
    FileHandle.standardError.write(Data("cluster-scheduler: \(error)\n".utf8))
    exit(1)
}
let counted = job.statistics
FileHandle.standardOutput.write(
    Data(
        "\(name) stopped: reconciliations=\(counted.runs) failed=\(counted.failures) relayed=\(counted.relayed)\n".utf8
    )
)
