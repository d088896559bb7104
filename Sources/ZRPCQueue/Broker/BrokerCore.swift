import Foundation
import Logging
import ZRPC

/// What a broker's services share: its engine, its store, its timer's doorbell, its clock and the
/// policies tasks get.
final class BrokerCore: Sendable {
    let engine = BrokerEngine()
    let store: any TaskStore
    let doorbell = Doorbell()
    let logger: Logger
    let defaultPolicy: TaskPolicy
    let queuePolicies: [String: TaskPolicy]
    let now: @Sendable () -> UnixMillis

    init(
        store: any TaskStore,
        defaultPolicy: TaskPolicy,
        queuePolicies: [String: TaskPolicy],
        logger: Logger,
        now: @escaping @Sendable () -> UnixMillis = { UnixMillis(Date().timeIntervalSince1970 * 1_000) }
    ) {
        self.store = store
        self.defaultPolicy = defaultPolicy
        self.queuePolicies = queuePolicies
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

    /// A task from a producer's submission: its queue's policy with the submission's overrides,
    /// its idempotency key (derived from its content when it has none), its deadline and start.
    func task(from submission: Zrpc_Queue_TaskSubmission, index: Int, now: UnixMillis) throws -> QueuedTask {
        guard !submission.queue.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "task \(index) names no queue")
        }
        let policy = try (queuePolicies[submission.queue] ?? defaultPolicy).overridden(by: submission.policy ?? .init())
        let key =
            submission.idempotencyKey.isEmpty
            ? ContentKey.derive(queue: submission.queue, payload: submission.payload) : submission.idempotencyKey
        let deadline: UnixMillis? =
            switch submission.deadlineUnixMillis {
            case 0: policy.deadline.map { now + $0.unixMillis }
            case .max: nil
            case let given: given
            }
        return QueuedTask(
            id: UUID().uuidString.lowercased(),
            queue: submission.queue,
            payload: submission.payload,
            idempotencyKey: key,
            policy: policy,
            enqueuedAt: now,
            deadline: deadline,
            notBefore: max(now, submission.notBeforeUnixMillis)
        )
    }
}

extension TaskPolicy {
    /// This policy with the wire policy's non-zero fields in place of its own.
    func overridden(by wire: Zrpc_Queue_DeliveryPolicy) throws -> TaskPolicy {
        var policy = self
        if wire.maxAttempts != 0 { policy.maxAttempts = Int(wire.maxAttempts) }
        if wire.initialBackoffMillis != 0 { policy.backoff.initial = .milliseconds(wire.initialBackoffMillis) }
        if wire.maxBackoffMillis != 0 { policy.backoff.maximum = .milliseconds(wire.maxBackoffMillis) }
        if wire.backoffMultiplier != 0 { policy.backoff.multiplier = wire.backoffMultiplier }
        if wire.leaseMillis != 0 { policy.lease = .milliseconds(wire.leaseMillis) }
        if wire.deadlineMillis != 0 { policy.deadline = .milliseconds(wire.deadlineMillis) }
        switch wire.deadLetters {
        case .keep: policy.keepsDeadLetters = true
        case .discard: policy.keepsDeadLetters = false
        default: break
        }
        guard policy.backoff.multiplier >= 1, policy.backoff.multiplier.isFinite,
            policy.backoff.maximum >= policy.backoff.initial
        else {
            throw RPCError(code: .invalidArgument, message: "the task's backoff is invalid: \(policy.backoff)")
        }
        return policy
    }

    /// The policy as the wire carries it.
    var wire: Zrpc_Queue_DeliveryPolicy {
        Zrpc_Queue_DeliveryPolicy(
            maxAttempts: UInt32(clamping: maxAttempts),
            initialBackoffMillis: UInt32(clamping: backoff.initial.unixMillis),
            maxBackoffMillis: UInt32(clamping: backoff.maximum.unixMillis),
            backoffMultiplier: backoff.multiplier,
            leaseMillis: UInt32(clamping: lease.unixMillis),
            deadlineMillis: UInt32(clamping: deadline?.unixMillis ?? 0),
            deadLetters: keepsDeadLetters ? .keep : .discard
        )
    }
}
