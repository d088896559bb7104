import Foundation
import ZRPC

extension QueuedTask {
    /// A task from a producer's submission, as the broker reads it on receipt: its queue's policy
    /// with the submission's overrides, its idempotency key (derived from its content when it has
    /// none), its deadline and start. A pure function of its arguments (and a fresh id), so the
    /// fuzz targets in Fuzz/ run it on any bytes.
    ///
    /// - Parameters:
    ///   - submission: The submission as decoded from an enqueue request.
    ///   - index: Its place in the request, for the error message.
    ///   - now: The broker's clock.
    ///   - defaultPolicy: The broker's default policy.
    ///   - queuePolicies: The broker's configured overrides per queue.
    /// - Throws: ``ZRPC/RPCError`` with INVALID_ARGUMENT for a submission without a queue or with
    ///   an invalid policy.
    package init(
        submission: Zrpc_Queue_TaskSubmission,
        index: Int,
        now: UnixMillis,
        defaultPolicy: TaskPolicy,
        queuePolicies: [String: TaskPolicy.Overrides]
    ) throws {
        guard !submission.queue.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "task \(index) names no queue")
        }
        // The broker's default, then what the .proto declares, then the broker's configuration
        // for the queue, then the producer's own options.
        let policy =
            try defaultPolicy
            .overridden(by: submission.declaredPolicy)
            .applying(queuePolicies[submission.queue] ?? .init())
            .overridden(by: submission.policy)
        let key =
            submission.idempotencyKey.isEmpty
            ? ContentKey.derive(queue: submission.queue, payload: submission.payload) : submission.idempotencyKey
        let deadline: UnixMillis? =
            switch submission.deadlineUnixMillis {
            case 0: policy.deadline.map { now + $0.unixMillis }
            case .max: nil
            case let given: given
            }
        self.init(
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
