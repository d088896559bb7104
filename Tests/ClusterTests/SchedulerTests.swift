import Configuration
import Foundation
import Logging
import OrdersMessages
import OrdersService
import SchedulerService
import Synchronization
import Testing
import ZRPC
import ZRPCQueue

/// The scheduler's job and its configuration, on fakes and mocks: no sockets.
@Suite struct SchedulerTests {
    @Test func reconcilingRelaysTheOutboxAndCountsOrdersByStatus() async throws {
        let repository = InMemoryOrderRepository()
        let queue = FakeTaskQueue()
        let book = OrderBook(repository: repository, prices: FakePrices(), tasks: queue)
        queue.mode = .down
        _ = try await book.place(orderRequest(), idempotencyKey: "k-1")
        _ = try await book.place(orderRequest(), idempotencyKey: "k-2")
        let stuck = try await book.reconcile()
        #expect(stuck == Reconciliation(relayed: 0, placed: 2, queued: 0, brokerReachable: false))
        queue.mode = .working
        let relayed = try await book.reconcile()
        #expect(relayed == Reconciliation(relayed: 2, placed: 0, queued: 2, brokerReachable: true))
        #expect(queue.tasks.count == 4)
        #expect(try await book.reconcile() == Reconciliation(relayed: 0, placed: 0, queued: 2, brokerReachable: true))
    }

    @Test func theHandlerAnswersAReconciliationInProcess() async throws {
        let book = OrderBook(repository: InMemoryOrderRepository(), prices: FakePrices(), tasks: FakeTaskQueue())
        _ = try await book.place(orderRequest(), idempotencyKey: "k-1")
        try await Client.withClient(calling: InProcessServer(services: [OrdersHandler(book: book)])) { client in
            let report = try await Cluster_Orders.Client(wrapping: client).reconcile(.init(fire: "f"))
            #expect(report.queued == 1 && report.placed == 0 && report.brokerReachable)
        }
    }

    @Test func aStuckOutboxIsWarnedOfOnceAfterThreeRunsAndFailuresAreCounted() async throws {
        let store = RecordingLogHandler.Store()
        let orders = MockOrders()
        let stuck = Cluster_ReconcileReport(relayed: 0, placed: 4, queued: 10, brokerReachable: false)
        orders.state.withLock {
            $0.reports = [stuck, stuck, stuck, stuck, .init(relayed: 4, placed: 0, queued: 14, brokerReachable: true)]
        }
        let job = ReconciliationJob(orders: orders, logger: .recording(into: store, label: "scheduler"))
        for run in 1...5 { await job.run(fire: "reconcile-orders@\(run)") }
        #expect(store.all.filter { $0.contains("stuck in the outbox") }.count == 1)
        #expect(orders.state.withLock { $0.fires } == (1...5).map { "reconcile-orders@\($0)" })
        let counted = job.statistics
        #expect(counted.runs == 5 && counted.relayed == 4 && counted.placed == 0 && counted.stuckRuns == 0)

        orders.state.withLock { $0.failure = RPCError(code: .unavailable, message: "down") }
        await job.run(fire: "reconcile-orders@6")
        #expect(job.statistics.failures == 1)
        #expect(store.all.last?.contains("UNAVAILABLE") == true)
    }

    @Test func theJobRunsAtEveryFireOfItsTriggerWithTheFiresKey() async throws {
        let fires = Mutex<[String]>([])
        let scheduler = JobScheduler(
            name: "tick",
            trigger: .every(.seconds(1), anchor: Date(timeIntervalSince1970: 0)),
            logger: Logger(label: "test")
        ) { fire in fires.withLock { $0.append(fire) } }
        let running = Task { try await scheduler.run() }
        let ran = await eventually(within: .seconds(30)) { fires.withLock { $0.count } >= 2 }
        running.cancel()
        #expect(ran)
        let keys = fires.withLock { $0 }
        // Whole seconds, one apart: tick@…:05.000Z, tick@…:06.000Z.
        #expect(keys.allSatisfy { $0.hasPrefix("tick@") && $0.hasSuffix(".000Z") })
        #expect(Set(keys).count == keys.count)
    }

    @Test func theConfigurationReadsAnIntervalOrACronExpressionAndRefusesBadValues() throws {
        func reading(_ variables: [String: String]) throws -> SchedulerConfiguration {
            var configuration = SchedulerConfiguration.defaults
            try configuration.apply(
                ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
            )
            return configuration
        }
        #expect(
            SchedulerConfiguration.defaults.reconcile == .every(.seconds(5), anchor: Date(timeIntervalSince1970: 0))
        )
        let every = try reading([
            "SCHEDULER_RECONCILE_EVERY_MS": "2000", "SCHEDULER_ORDERS_ENDPOINTS": "tcp://127.0.0.1:7301",
        ])
        #expect(every.reconcile == .every(.seconds(2), anchor: Date(timeIntervalSince1970: 0)))
        #expect(every.orders.endpoints == ["tcp://127.0.0.1:7301"])
        let cron = try reading(["SCHEDULER_RECONCILE_CRON": "*/2 * * * *"])
        #expect(cron.reconcile == .cron(try CronExpression("*/2 * * * *"), .gmt))
        for (variables, named) in [
            (["SCHEDULER_RECONCILE_EVERY_MS": "500"], "SCHEDULER_RECONCILE_EVERY_MS"),
            (["SCHEDULER_RECONCILE_EVERY_MS": "soon"], "SCHEDULER_RECONCILE_EVERY_MS"),
            (["SCHEDULER_RECONCILE_CRON": "* 24 * * *"], "SCHEDULER_RECONCILE_CRON"),
            (
                ["SCHEDULER_RECONCILE_CRON": "* * * * *", "SCHEDULER_RECONCILE_EVERY_MS": "5000"],
                "SCHEDULER_RECONCILE_CRON"
            ),
        ] {
            let error = #expect(throws: (any Error).self) { try reading(variables) }
            #expect("\(error.map { "\($0)" } ?? "")".contains(named), "\(variables)")
        }
    }
}
