import Foundation
import OrdersMessages
import Testing
import WorkerService
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// The orders part of the cluster as it runs: `zrpc-broker`, `cluster-catalog`, `cluster-orders` and a
/// `cluster-worker` of each kind (the payment worker slow and flaky), each a process of its own on
/// tcp://127.0.0.1:*, stopped with SIGTERM.
@Suite struct OrdersProcessTests {
    static let orderCount = 20

    @Test func ordersPlacedAcrossProcessesHaveEveryTaskSettledAndEachEffectOnce() async throws {
        try await withTemporaryDirectory { directory in
            func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
            // Under ASan a child checks for leaks at exit and exits 1 when it finds some; this test is about
            // graceful stops (status 0), and the leak check covers this process.
            let quiet = ["ASAN_OPTIONS": "detect_leaks=0"]
            var children: [ChildProcess] = []
            do {
                let broker = try await ChildProcess.start(
                    "zrpc-broker",
                    arguments: ["tcp://127.0.0.1:*", "--database", path("broker.sqlite")],
                    environment: quiet
                )
                children.append(broker)
                let catalog = try await ChildProcess.start(
                    "cluster-catalog",
                    arguments: [],
                    environment: quiet.merging([
                        "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*", "CATALOG_DATABASE_PATH": path("catalog.sqlite"),
                    ]) { $1 }
                )
                children.append(catalog)
                let orders = try await ChildProcess.start(
                    "cluster-orders",
                    arguments: [],
                    environment: quiet.merging([
                        "ORDERS_ENDPOINTS": "tcp://127.0.0.1:*", "ORDERS_DATABASE_PATH": path("orders.sqlite"),
                        "ORDERS_CATALOG_ENDPOINTS": catalog.endpoint, "ORDERS_BROKER_ENDPOINTS": broker.endpoint,
                        // Generous: a machine busy with other work must not fail the test with a deadline.
                        "ORDERS_CATALOG_GETPRODUCT_TIMEOUT_MS": "10000",
                    ]) { $1 }
                )
                children.append(orders)
                var workers: [ChildProcess] = []
                for (kind, flakiness) in [
                    ("payment", ["WORKER_FAILURE_RATE": "0.1", "WORKER_DELAY_MS": "5"]), ("notification", [:]),
                ] {
                    let worker = try await ChildProcess.start(
                        "cluster-worker",
                        arguments: [],
                        environment: quiet.merging(flakiness) { $1 }.merging([
                            "WORKER_KIND": kind, "WORKER_BROKER_ENDPOINTS": broker.endpoint,
                            "WORKER_LEDGER_PATH": path("\(kind)-ledger.sqlite"),
                        ]) { $1 }
                    )
                    workers.append(worker)
                    children.append(worker)
                }
                let (ordersEndpoint, brokerEndpoint) = (orders.endpoint, broker.endpoint)
                let workerEndpoints = workers.map(\.endpoint)
                let placed = try await within(.seconds(120), "orders placed and their tasks settled") {
                    try await Self.placeOrdersAndWaitForTheirTasks(
                        orders: ordersEndpoint,
                        broker: brokerEndpoint,
                        healthOf: workerEndpoints
                    )
                }
                #expect(placed.count == Self.orderCount)
                // SIGTERM, workers first: each finishes its tasks in hand and prints its last line.
                for child in [workers[0], workers[1], orders, catalog] {
                    let name = child.printedText.split(separator: " ").prefix(3).joined(separator: " ")
                    await child.stop()
                    #expect(await child.printed("\(name) stopped", within: .seconds(5)), "\(name)")
                    #expect(child.process.terminationStatus == 0, "\(name)")
                }
                await broker.stop()
            } catch {
                for child in children { await child.stop() }
                throw error
            }
            for kind in WorkerKind.allCases {
                let summary = try await EffectLedger(path: path("\(kind.rawValue)-ledger.sqlite")).summary()
                #expect(summary.effects == Self.orderCount, "\(kind)")
                #expect(summary.duplicateEffects == 0, "\(kind)")
            }
        }
    }

    /// The crash-between case across processes, as a broker outage: an order placed while the broker is
    /// down is answered PLACED (stored, its tasks in the outbox), and once the broker is back the relay
    /// queues its tasks, the workers run them, and the order becomes QUEUED.
    @Test func anOrderPlacedWhileTheBrokerIsDownIsQueuedWhenItIsBack() async throws {
        try await withTemporaryDirectory { directory in
            func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
            let quiet = ["ASAN_OPTIONS": "detect_leaks=0"]
            var children: [ChildProcess] = []
            do {
                // A broker started and stopped, to learn a free port for it.
                let first = try await ChildProcess.start(
                    "zrpc-broker",
                    arguments: ["tcp://127.0.0.1:*", "--database", path("broker.sqlite")],
                    environment: quiet
                )
                let brokerEndpoint = first.endpoint
                await first.stop()
                let catalog = try await ChildProcess.start(
                    "cluster-catalog",
                    arguments: [],
                    environment: quiet.merging([
                        "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*", "CATALOG_DATABASE_PATH": path("catalog.sqlite"),
                    ]) { $1 }
                )
                children.append(catalog)
                let orders = try await ChildProcess.start(
                    "cluster-orders",
                    arguments: [],
                    environment: quiet.merging([
                        "ORDERS_ENDPOINTS": "tcp://127.0.0.1:*", "ORDERS_DATABASE_PATH": path("orders.sqlite"),
                        "ORDERS_CATALOG_ENDPOINTS": catalog.endpoint, "ORDERS_BROKER_ENDPOINTS": brokerEndpoint,
                        "ORDERS_CATALOG_GETPRODUCT_TIMEOUT_MS": "10000", "ORDERS_ENQUEUE_TIMEOUT_MS": "300",
                        "ORDERS_OUTBOX_INTERVAL_MS": "100",
                    ]) { $1 }
                )
                children.append(orders)
                var configuration = Client.Configuration(endpoints: [orders.endpoint])
                configuration.defaultTimeout = .seconds(20)
                try await Client.withClient(configuration: configuration) { client in
                    let shop = Cluster_Orders.Client(wrapping: client)
                    let order = try await within(.seconds(30), "an order placed while the broker is down") {
                        try await shop.placeOrder(
                            .init(
                                customerEmail: "a@example.com",
                                cardNumber: luhnCardNumber(1),
                                sku: "SKU-1001",
                                quantity: 1
                            ),
                            options: .init(timeout: .seconds(20))
                        )
                    }
                    #expect(order.status == .placed)
                    let broker = try await ChildProcess.start(
                        "zrpc-broker",
                        arguments: [brokerEndpoint, "--database", path("broker.sqlite")],
                        environment: quiet
                    )
                    children.append(broker)
                    for kind in WorkerKind.allCases {
                        children.append(
                            try await ChildProcess.start(
                                "cluster-worker",
                                arguments: [],
                                environment: quiet.merging([
                                    "WORKER_KIND": kind.rawValue, "WORKER_BROKER_ENDPOINTS": brokerEndpoint,
                                    "WORKER_LEDGER_PATH": path("\(kind.rawValue)-ledger.sqlite"),
                                ]) { $1 }
                            )
                        )
                    }
                    try await within(.seconds(60), "the order queued once the broker is back") {
                        while try await shop.getOrder(.init(id: order.id)).status != .queued {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
                for kind in WorkerKind.allCases {
                    let ledger = try await EffectLedger(path: path("\(kind.rawValue)-ledger.sqlite"))
                    let performed = try await within(.seconds(60), "the \(kind) effect") {
                        while try await ledger.summary().effects < 1 { try await Task.sleep(for: .milliseconds(20)) }
                        return try await ledger.summary()
                    }
                    #expect(performed == .init(effects: 1, deliveries: 1, duplicateEffects: 0), "\(kind)")
                }
            } catch {
                for child in children { await child.stop() }
                throw error
            }
            for child in children.reversed() { await child.stop() }
        }
    }

    /// SIGTERM reaches a slow worker holding four tasks: it finishes the ones it has begun and the broker
    /// has them acked, each with its effect once; it exits 0. (A task that reached it only after SIGTERM
    /// is held and returned to the queue when it detaches, ready for another worker: on a loaded machine
    /// one may arrive that late. A worker cut off mid-task would leave none acked.)
    @Test func aWorkerStoppedWithTasksInHandFinishesAndAcksThem() async throws {
        try await withTemporaryDirectory { directory in
            let ledgerPath = directory.appendingPathComponent("payment-ledger.sqlite").path
            // Each task takes `delay`; SIGTERM comes `settle` after the broker counts them leased, time for
            // the worker to have begun them (a task that arrives once it drains is held and returned to the queue instead).
            let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
            let (delay, settle): (Duration, Duration) =
                sanitized ? (.seconds(8), .seconds(2)) : (.seconds(4), .seconds(1))
            let quiet = ["ASAN_OPTIONS": "detect_leaks=0"]
            let broker = try await ChildProcess.start(
                "zrpc-broker",
                arguments: ["tcp://127.0.0.1:*", "--database", directory.appendingPathComponent("broker.sqlite").path],
                environment: quiet
            )
            var worker: ChildProcess?
            do {
                worker = try await ChildProcess.start(
                    "cluster-worker",
                    arguments: [],
                    environment: quiet.merging([
                        "WORKER_KIND": "payment", "WORKER_BROKER_ENDPOINTS": broker.endpoint,
                        "WORKER_LEDGER_PATH": ledgerPath, "WORKER_DELAY_MS": "\(delay.components.seconds * 1_000)",
                        "WORKER_CONCURRENCY": "4",
                    ]) { $1 }
                )
                let brokerEndpoint = broker.endpoint
                try await within(.seconds(60), "four tasks leased to the worker") {
                    let configuration = Client.Configuration(endpoints: [brokerEndpoint], defaultTimeout: .seconds(30))
                    try await Client.withClient(configuration: configuration) { client in
                        // In one call: the broker commits and delivers the four together.
                        try await Cluster_OrderTasks.Producer(client: client).capturePayment.enqueue(
                            contentsOf: (0..<4).map {
                                .init(orderID: "ord-\($0)", amountCents: 100, cardToken: "tok_\($0)")
                            }
                        )
                        while try await Self.paymentQueue(client)?.leased != 4 {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    }
                }
                try await Task.sleep(for: settle)
                let stopping = try #require(worker)
                let name = "cluster-worker pid \(stopping.process.processIdentifier)"
                await stopping.stop()
                #expect(await stopping.printed("\(name) stopped", within: delay * 2))
                #expect(stopping.process.terminationStatus == 0)
                let stats = try await within(.seconds(10), "the broker's counts") {
                    try await Client.withClient(configuration: .init(endpoints: [brokerEndpoint])) { client in
                        try await Self.paymentQueue(client)
                    }
                }
                let acked = Int(stats?.acked ?? 0)
                #expect(acked >= 1 && acked + Int(stats?.ready ?? 0) == 4 && stats?.leased == 0)
                await broker.stop()
                // Every acked task's effect is in the ledger, once. Rarely (seen once in a full
                // suite run) the worker's last ack does not reach the broker before it detaches:
                // that task's effect is in the ledger and the task is back in the queue, where its
                // next delivery finds the effect and runs nothing again (at least once, never twice).
                let summary = try await EffectLedger(path: ledgerPath).summary()
                #expect(summary.effects >= acked && summary.effects <= 4, "\(summary), acked \(acked)")
                #expect(summary.deliveries == summary.effects && summary.duplicateEffects == 0, "\(summary)")
            } catch {
                await worker?.stop()
                await broker.stop()
                throw error
            }
        }
    }

    /// The broker's counts for the payment queue.
    private static func paymentQueue(_ client: Client) async throws -> Zrpc_Queue_QueueStats? {
        try await Zrpc_Queue_Admin.Client(wrapping: client).stats(.init()).queues.first {
            $0.queue == WorkerKind.payment.queue
        }
    }

    /// Places ``orderCount`` orders, four at a time, checks health, and waits until the broker has every
    /// task acked and every order is queued; returns the orders' ids.
    private static func placeOrdersAndWaitForTheirTasks(
        orders: String,
        broker: String,
        healthOf workers: [String]
    ) async throws -> Set<String> {
        var configuration = Client.Configuration(endpoints: [orders])
        configuration.defaultTimeout = .seconds(10)
        return try await Client.withClient(configuration: configuration) { client in
            let health = HealthClient(wrapping: client)
            #expect(try await health.check(service: Cluster_Orders.descriptor.fullName) == .serving)
            let shop = Cluster_Orders.Client(wrapping: client)
            var ids = Set<String>()
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<orderCount {
                    if index >= 4, let id = try await group.next() { ids.insert(id) }
                    group.addTask {
                        let request = Cluster_PlaceOrderRequest(
                            customerEmail: "buyer\(index)@example.com",
                            cardNumber: luhnCardNumber(index),
                            sku: "SKU-100\(index % 5 + 1)",
                            quantity: UInt32(index % 3 + 1)
                        )
                        let order = try await shop.placeOrder(request, options: .init(timeout: .seconds(20)))
                        #expect(order.totalCents > 0)
                        return order.id
                    }
                }
                for try await id in group { ids.insert(id) }
            }
            for endpoint in workers {
                let status = try await Client.withClient(configuration: .init(endpoints: [endpoint])) { workerClient in
                    try await HealthClient(wrapping: workerClient).check()
                }
                #expect(status == .serving)
            }
            try await Client.withClient(configuration: .init(endpoints: [broker])) { brokerClient in
                let admin = Zrpc_Queue_Admin.Client(wrapping: brokerClient)
                while true {
                    let queues = try await admin.stats(.init()).queues
                    let acked = queues.filter { $0.queue.hasPrefix("cluster.OrderTasks/") }.map(\.acked)
                    if acked == [UInt64(orderCount), UInt64(orderCount)] { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            for id in ids {
                // An order answered as placed (its enqueue outlasted 500 ms) is queued by the relay.
                while try await shop.getOrder(.init(id: id)).status != .queued {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            return ids
        }
    }
}
