import Foundation
import Logging
import ZRPC

/// `zrpc.queue.Broker` over a broker's engine and store: enqueues confirmed after their commit,
/// and one `Work` stream per attached worker.
struct BrokerService: Zrpc_Queue_Broker.ServiceProtocol {
    let core: BrokerCore

    func enqueue(_ request: Zrpc_Queue_EnqueueRequest, context: ServerContext) async throws -> Zrpc_Queue_EnqueueReply {
        if let queue = request.tasks.first(where: {
            !core.authorization.mayEnqueue(publicKey: context.peerPublicKey, queue: $0.queue)
        })?.queue {
            core.denials.withLock { $0.enqueues += 1 }
            core.logger.notice(
                "enqueue refused",
                metadata: ["queue": "\(queue)", "peer-key": "\(context.peerPublicKey ?? "none")"]
            )
            throw RPCError(code: .permissionDenied, message: "this client may not enqueue to \(queue)")
        }
        let now = core.now()
        let tasks = try request.tasks.enumerated().map { index, submission in
            try core.task(from: submission, index: index, now: now)
        }
        let stored: [StoredEnqueue]
        do {
            stored = try await core.store.enqueue(tasks)
        } catch {
            throw StoreFailure.rpcError(error, doing: "queue \(tasks.count) task(s)")
        }
        let accepted = zip(tasks, stored).filter { !$1.duplicate }.map(\.0)
        core.apply(core.engine.add(accepted, now: now))
        return .init(results: stored.map { .init(taskID: $0.taskID, duplicate: $0.duplicate) })
    }

    func work(
        _ requests: MessageStream<Zrpc_Queue_WorkerMessage>,
        writer: MessageWriter<Zrpc_Queue_BrokerMessage>,
        context: ServerContext
    ) async throws {
        var iterator = requests.makeAsyncIterator()
        guard case .attach(let attach)? = try await iterator.next()?.kind else {
            throw RPCError(code: .invalidArgument, message: "a Work stream starts with an attach message")
        }
        let queues = attach.queues.filter { !$0.isEmpty }
        guard !queues.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "attach names no queue")
        }
        if let queue = queues.first(where: {
            !core.authorization.mayConsume(publicKey: context.peerPublicKey, queue: $0)
        }) {
            core.denials.withLock { $0.workers += 1 }
            core.logger.notice(
                "worker refused",
                metadata: ["queue": "\(queue)", "peer-key": "\(context.peerPublicKey ?? "none")"]
            )
            throw RPCError(code: .permissionDenied, message: "this worker may not consume \(queue)")
        }
        let heartbeat = UnixMillis(attach.heartbeatMillis == 0 ? 1_000 : max(attach.heartbeatMillis, 10))
        let (outbox, continuation) = AsyncStream<Zrpc_Queue_BrokerMessage>.makeStream()
        let (worker, attached) = core.engine.attach(
            name: attach.worker.isEmpty ? "worker" : attach.worker,
            queues: queues,
            credit: Int(attach.credit),
            heartbeat: heartbeat,
            outbox: continuation,
            now: core.now()
        )
        core.apply(attached)
        core.logger.debug("worker attached", metadata: ["worker": "\(attach.worker)", "queues": "\(queues)"])
        defer {
            core.apply(core.engine.detach(worker, now: core.now()))
            core.logger.debug("worker detached", metadata: ["worker": "\(attach.worker)"])
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in outbox { try await writer.write(message) }
                // The engine ended the outbox: the worker went silent.
                throw RPCError(code: .unavailable, message: "the worker was silent for \(3 * heartbeat) ms")
            }
            group.addTask {
                // A new iterator goes on after the attach message: the stream is read by one task at a time.
                for try await message in requests {
                    try self.handle(message, from: worker)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func handle(_ message: Zrpc_Queue_WorkerMessage, from worker: WorkerID) throws {
        let now = core.now()
        core.engine.heard(from: worker, now: now)
        switch message.kind {
        case .credit(let credit):
            core.apply(core.engine.grant(Int(credit), to: worker, now: now))
        case .ack(let ack):
            core.apply(
                core.engine.answer(
                    .ack(result: ack.result),
                    queue: nil,
                    taskID: ack.taskID,
                    delivery: ack.delivery,
                    from: worker,
                    now: now
                )
            )
        case .nack(let nack):
            let answer: TaskQueue.Answer =
                nack.permanent
                ? .permanentFailure(error: nack.error)
                : .retryableFailure(
                    error: nack.error,
                    retryAfter: nack.retryAfterMillis == 0 ? nil : .milliseconds(nack.retryAfterMillis)
                )
            core.apply(
                core.engine.answer(
                    answer,
                    queue: nil,
                    taskID: nack.taskID,
                    delivery: nack.delivery,
                    from: worker,
                    now: now
                )
            )
        case .heartbeat:
            break
        case .attach:
            throw RPCError(code: .invalidArgument, message: "a worker attaches once, at the start of its stream")
        case nil:
            throw RPCError(code: .invalidArgument, message: "a worker message without a kind this broker knows")
        }
    }
}
