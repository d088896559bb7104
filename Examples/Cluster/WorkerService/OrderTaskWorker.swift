public import Logging
public import OrdersMessages
public import ZRPCQueue

/// Runs the orders service's tasks (`cluster.OrderTasks`, the generated worker protocol): captures
/// payments and sends confirmations, each effect once per order through an ``EffectLedger``, with the
/// flakiness of ``WorkerFaults``. A task that cannot be right (no order id, a negative amount, no token,
/// no address) fails for good and goes to the dead-letter queue. It logs order ids and amounts, never
/// the token or the email.
///
/// ```swift
/// let worker = OrderTaskWorker(ledger: ledger, faults: .none, gate: TaskGate(), logger: logger)
/// let queueWorker = QueueWorker(client: brokerClient, handlers: worker.handlers(for: .payment))
/// ```
public struct OrderTaskWorker: Cluster_OrderTasks.WorkerProtocol {
    private let ledger: EffectLedger
    private let faults: WorkerFaults
    private let gate: TaskGate
    private let logger: Logger

    /// Creates the worker.
    ///
    /// - Parameters:
    ///   - ledger: Where effects are recorded once per key.
    ///   - faults: The flakiness to put into tasks.
    ///   - gate: Counts the tasks in hand, so a graceful stop can wait for them.
    ///   - logger: Where it logs.
    public init(ledger: EffectLedger, faults: WorkerFaults, gate: TaskGate, logger: Logger) {
        self.ledger = ledger
        self.faults = faults
        self.gate = gate
        self.logger = logger
    }

    /// The handlers of one kind's queue, for a `QueueWorker`.
    ///
    /// - Parameter kind: Which queue.
    public func handlers(for kind: WorkerKind) -> [TaskHandler] {
        taskHandlers.filter { $0.queue == kind.queue }
    }

    /// Captures the order's amount on the card behind the token, once per order.
    public func capturePayment(
        _ task: Cluster_CapturePaymentTask,
        context: TaskContext
    ) async throws
        -> Cluster_EffectReceipt
    {
        guard !task.orderID.isEmpty, task.amountCents >= 0, task.cardToken.hasPrefix("tok_") else {
            throw TaskFailure.permanent("the capture task has no order id, a negative amount or no card token")
        }
        let effect = Effect(
            key: "capture-payment/\(task.orderID)",
            kind: "capture-payment",
            orderID: task.orderID,
            taskID: context.taskID.description,
            amountCents: task.amountCents
        )
        return try await run(effect, context: context)
    }

    /// Sends the order's confirmation, once per order.
    public func sendConfirmation(
        _ task: Cluster_SendConfirmationTask,
        context: TaskContext
    ) async throws
        -> Cluster_EffectReceipt
    {
        guard !task.orderID.isEmpty, task.customerEmail.contains("@") else {
            throw TaskFailure.permanent("the confirmation task has no order id or no address")
        }
        let effect = Effect(
            key: "send-confirmation/\(task.orderID)",
            kind: "send-confirmation",
            orderID: task.orderID,
            taskID: context.taskID.description
        )
        return try await run(effect, context: context)
    }

    /// Lets the task in through the gate, skips the provider when the ledger has the effect, else waits the
    /// delay, draws a fault, and performs the effect through the ledger.
    private func run(_ effect: Effect, context: TaskContext) async throws -> Cluster_EffectReceipt {
        guard gate.enter() else {
            // Arrived while the worker drains: held unanswered until it detaches, when the broker hands it to
            // another worker (one attempt). Refused at once, it would come back after each backoff and be
            // refused again, spending its attempts, for as long as the drain lasts.
            try await Task.sleep(for: .seconds(24 * 3_600))
            throw TaskFailure.retry("the worker is stopping")
        }
        defer { gate.leave() }
        var metadata: Logger.Metadata = [
            "order": "\(effect.orderID)", "effect": "\(effect.kind)", "attempt": "\(context.attempt)",
        ]
        if effect.amountCents > 0 { metadata["amount_cents"] = "\(effect.amountCents)" }
        if try await !ledger.contains(effect.key) {
            if faults.delay > .zero { try await Task.sleep(for: faults.delay) }
            var random = SystemRandomNumberGenerator()
            switch faults.draw(using: &random) {
            case .none: break
            case .retryable:
                logger.info("simulated provider failure (retryable)", metadata: metadata)
                throw TaskFailure.retry("simulated provider failure")
            case .permanent:
                logger.info("simulated provider refusal (permanent)", metadata: metadata)
                throw TaskFailure.permanent("simulated provider refusal")
            }
        }
        let performed = try await ledger.perform(effect)
        if performed {
            logger.info("effect performed", metadata: metadata)
        } else {
            logger.info("effect already in the ledger: redelivery acked without running it", metadata: metadata)
        }
        return Cluster_EffectReceipt(effectKey: effect.key, performed: performed)
    }
}
