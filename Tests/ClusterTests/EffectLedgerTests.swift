import Foundation
import OrdersMessages
import Testing
import WorkerService
import ZRPCQueue

/// The workers' idempotency ledger, alone and under a worker taking tasks from a broker in this process.
@Suite struct EffectLedgerTests {
    private func effect(_ order: String, task: String = "t-1") -> Effect {
        Effect(key: "capture-payment/\(order)", kind: "capture-payment", orderID: order, taskID: task, amountCents: 100)
    }

    @Test func anEffectRunsOncePerKeyAndRedeliveriesAreCounted() async throws {
        try await withTemporaryDirectory { directory in
            let ledger = try await EffectLedger(path: directory.appendingPathComponent("l.sqlite").path)
            #expect(try await ledger.perform(effect("ord-1")))
            #expect(try await !ledger.perform(effect("ord-1", task: "t-2")))
            #expect(try await ledger.perform(effect("ord-2")))
            #expect(try await ledger.contains("capture-payment/ord-1"))
            #expect(try await ledger.summary() == .init(effects: 2, deliveries: 3, duplicateEffects: 0))
        }
    }

    /// Two workers sharing one ledger file, each with its own connection, race for the same keys.
    @Test func concurrentDeliveriesAcrossTwoLedgerConnectionsRunOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("l.sqlite").path
            let ledgers = [try await EffectLedger(path: path), try await EffectLedger(path: path)]
            let performed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await ledgers[index % 2].perform(effect("ord-\(index % 4)", task: "t-\(index)"))
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(performed == 4)
            #expect(try await ledgers[0].summary() == .init(effects: 4, deliveries: 40, duplicateEffects: 0))
        }
    }

    /// The broker delivers the same order's capture twice (two tasks, as after a lost ack): one effect.
    @Test func aRedeliveredTaskRunsItsEffectOnce() async throws {
        try await withTemporaryDirectory { directory in
            let ledger = try await EffectLedger(path: directory.appendingPathComponent("l.sqlite").path)
            let worker = OrderTaskWorker(ledger: ledger, faults: .none, gate: TaskGate(), logger: quietLogger("w"))
            try await withBroker(in: directory) { broker, client in
                let producer = Cluster_OrderTasks.Producer(client: client)
                let task = Cluster_CapturePaymentTask(orderID: "ord-1", amountCents: 2_500, cardToken: "tok_abc")
                try await producer.capturePayment.enqueue(task, options: .init(idempotencyKey: "delivery-1"))
                try await producer.capturePayment.enqueue(task, options: .init(idempotencyKey: "delivery-2"))
                try await withQueueWorker(client: client, handlers: worker.handlers(for: .payment)) {
                    #expect(
                        await eventually(within: .seconds(30)) { broker.settled(WorkerKind.payment.queue, enqueued: 2) }
                    )
                }
                #expect(broker.statistics[WorkerKind.payment.queue]?.acked == 2)
            }
            #expect(try await ledger.summary() == .init(effects: 1, deliveries: 2, duplicateEffects: 0))
        }
    }

    @Test func aFlakyWorkerStillRunsEveryEffectOnce() async throws {
        try await withTemporaryDirectory { directory in
            let ledger = try await EffectLedger(path: directory.appendingPathComponent("l.sqlite").path)
            let faults = WorkerFaults(failureRate: 0.3, delay: .milliseconds(2))
            let worker = OrderTaskWorker(ledger: ledger, faults: faults, gate: TaskGate(), logger: quietLogger("w"))
            try await withBroker(in: directory) { broker, client in
                let producer = Cluster_OrderTasks.Producer(client: client)
                for index in 0..<20 {
                    try await producer.sendConfirmation.enqueue(
                        .init(orderID: "ord-\(index)", customerEmail: "a@b.example")
                    )
                }
                try await withQueueWorker(client: client, handlers: worker.handlers(for: .notification)) {
                    #expect(
                        await eventually(within: .seconds(30)) {
                            broker.settled(WorkerKind.notification.queue, enqueued: 20)
                        }
                    )
                }
                #expect(broker.statistics[WorkerKind.notification.queue]?.acked == 20)
            }
            let summary = try await ledger.summary()
            #expect(summary.effects == 20 && summary.duplicateEffects == 0)
        }
    }

    @Test func permanentFailuresAndMalformedTasksAreDeadLettered() async throws {
        try await withTemporaryDirectory { directory in
            let ledger = try await EffectLedger(path: directory.appendingPathComponent("l.sqlite").path)
            let refusing = OrderTaskWorker(
                ledger: ledger,
                faults: WorkerFaults(permanentFailureRate: 1),
                gate: TaskGate(),
                logger: quietLogger("w")
            )
            try await withBroker(in: directory) { broker, client in
                let producer = Cluster_OrderTasks.Producer(client: client)
                try await producer.capturePayment.enqueue(.init(orderID: "ord-1", amountCents: 100, cardToken: "tok_a"))
                try await producer.capturePayment.enqueue(.init(orderID: "ord-2", amountCents: 100, cardToken: ""))
                try await withQueueWorker(client: client, handlers: refusing.handlers(for: .payment)) {
                    #expect(
                        await eventually(within: .seconds(30)) { broker.settled(WorkerKind.payment.queue, enqueued: 2) }
                    )
                }
                #expect(broker.statistics[WorkerKind.payment.queue]?.deadLettered == 2)
            }
            #expect(try await ledger.summary().effects == 0)
        }
    }

    @Test func aDrainingGateWaitsForTheTasksInHandAndLetsNoneIn() async throws {
        let gate = TaskGate()
        #expect(gate.enter())
        gate.close()
        #expect(!gate.enter())
        #expect(gate.inHand == 1)
        let drained = Task { await gate.drain(within: .seconds(60)) }
        gate.leave()  // before or after the drain began to wait: either way it ends
        #expect(await drained.value)
        #expect(gate.inHand == 0)
        #expect(await TaskGate().drain(within: .milliseconds(1)))
        let stuck = TaskGate()
        #expect(stuck.enter())
        #expect(await !stuck.drain(within: .milliseconds(20)))
        #expect(!stuck.enter())
    }
}
