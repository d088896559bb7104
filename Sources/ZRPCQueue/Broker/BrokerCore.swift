import Foundation
import Logging
import Synchronization
import ZRPC

/// What a broker's services share: its engine, its store, its timer's doorbell, its clock and the
/// policies tasks get.
final class BrokerCore: Sendable {
    let engine = BrokerEngine()
    let store: any TaskStore
    let doorbell = Doorbell()
    let logger: Logger
    let defaultPolicy: TaskPolicy
    let queuePolicies: [String: TaskPolicy.Overrides]
    let authorization: QueueAuthorization
    let denials = Mutex(QueueDenials())
    let now: @Sendable () -> UnixMillis

    init(
        store: any TaskStore,
        defaultPolicy: TaskPolicy,
        queuePolicies: [String: TaskPolicy.Overrides],
        authorization: QueueAuthorization = .allowAll,
        logger: Logger,
        now: @escaping @Sendable () -> UnixMillis = { UnixMillis(Date().timeIntervalSince1970 * 1_000) }
    ) {
        self.store = store
        self.defaultPolicy = defaultPolicy
        self.queuePolicies = queuePolicies
        self.authorization = authorization
        self.logger = logger
        self.now = now
    }

    /// Records an outcome's settlements and wakes the timer for its due time.
    func apply(_ outcome: BrokerEngine.Outcome) {
        if !outcome.settlements.isEmpty {
            let logger = logger
            let count = outcome.settlements.count
            store.record(outcome.settlements) { error in
                guard let error else { return }
                // The broker's memory moved on; after a restart these tasks run again (at least once).
                logger.error("the store did not record \(count) settlement(s): \(error)")
            }
            for case .deadLettered(let task, let reason) in outcome.settlements {
                logger.notice(
                    "task dead-lettered",
                    metadata: [
                        "queue": "\(task.queue)", "task": "\(task.id)", "reason": "\(reason.rawValue)",
                        "attempts": "\(task.attempts)",
                    ]
                )
            }
        }
        if let due = outcome.due { doorbell.ring(at: due) }
    }

    /// A task from a producer's submission under this broker's policies.
    func task(from submission: Zrpc_Queue_TaskSubmission, index: Int, now: UnixMillis) throws -> QueuedTask {
        try QueuedTask(
            submission: submission,
            index: index,
            now: now,
            defaultPolicy: defaultPolicy,
            queuePolicies: queuePolicies
        )
    }
}

extension TaskPolicy {
    /// This policy with the wire policy's non-zero fields in place of its own, checked.
    func overridden(by wire: Zrpc_Queue_DeliveryPolicy?) throws -> TaskPolicy {
        let policy = applying(TaskPolicy.Overrides(wire: wire ?? .init()))
        guard policy.maxAttempts >= 1 else {
            throw RPCError(
                code: .invalidArgument,
                message: "a task needs at least 1 attempt, not \(policy.maxAttempts)"
            )
        }
        guard policy.backoff.multiplier >= 1, policy.backoff.multiplier.isFinite,
            policy.backoff.maximum >= policy.backoff.initial, policy.backoff.initial > .zero
        else {
            throw RPCError(code: .invalidArgument, message: "the task's backoff is invalid: \(policy.backoff)")
        }
        return policy
    }
}

extension TaskPolicy.Overrides {
    /// The overrides a wire policy carries (its zero fields override nothing).
    init(wire: Zrpc_Queue_DeliveryPolicy) {
        self.init()
        if wire.maxAttempts != 0 { maxAttempts = Int(wire.maxAttempts) }
        if wire.initialBackoffMillis != 0 || wire.maxBackoffMillis != 0 || wire.backoffMultiplier != 0 {
            let base = TaskPolicy.defaultBackoff
            backoff = Backoff(
                initial: wire.initialBackoffMillis == 0 ? base.initial : .milliseconds(wire.initialBackoffMillis),
                maximum: wire.maxBackoffMillis == 0 ? base.maximum : .milliseconds(wire.maxBackoffMillis),
                multiplier: wire.backoffMultiplier == 0 ? base.multiplier : wire.backoffMultiplier
            )
        }
        if wire.leaseMillis != 0 { lease = .milliseconds(wire.leaseMillis) }
        if wire.deadlineMillis != 0 { deadline = .milliseconds(wire.deadlineMillis) }
        switch wire.deadLetters {
        case .keep: keepsDeadLetters = true
        case .discard: keepsDeadLetters = false
        default: break
        }
    }

    /// The overrides as the wire carries them.
    var wire: Zrpc_Queue_DeliveryPolicy {
        Zrpc_Queue_DeliveryPolicy(
            maxAttempts: UInt32(clamping: maxAttempts ?? 0),
            initialBackoffMillis: UInt32(clamping: backoff?.initial.unixMillis ?? 0),
            maxBackoffMillis: UInt32(clamping: backoff?.maximum.unixMillis ?? 0),
            backoffMultiplier: backoff?.multiplier ?? 0,
            leaseMillis: UInt32(clamping: lease?.unixMillis ?? 0),
            deadlineMillis: UInt32(clamping: deadline?.unixMillis ?? 0),
            deadLetters: keepsDeadLetters.map { $0 ? .keep : .discard } ?? .default
        )
    }
}
