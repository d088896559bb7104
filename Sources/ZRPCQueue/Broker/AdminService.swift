import ZRPC

/// `zrpc.queue.Admin` over a broker: statistics, and the dead-letter queue listed, shown,
/// replayed and purged.
struct AdminService: Zrpc_Queue_Admin.ServiceProtocol {
    let core: BrokerCore

    func stats(_ request: Zrpc_Queue_StatsRequest, context: ServerContext) async throws -> Zrpc_Queue_StatsReply {
        let queues = core.engine.counts().sorted { $0.key < $1.key }.map { name, counts in
            Zrpc_Queue_QueueStats(
                queue: name,
                enqueued: UInt64(counts.enqueued),
                acked: UInt64(counts.acked),
                deadLettered: UInt64(counts.deadLettered),
                ready: UInt64(counts.ready),
                leased: UInt64(counts.leased)
            )
        }
        let workers = core.engine.workers().map { worker in
            Zrpc_Queue_WorkerInfo(name: worker.name, queues: worker.queues, leased: UInt32(clamping: worker.leased))
        }
        return .init(queues: queues, workers: workers)
    }

    func listDeadLetters(
        _ request: Zrpc_Queue_ListDeadLettersRequest,
        context: ServerContext
    ) async throws -> Zrpc_Queue_ListDeadLettersReply {
        let filter = try Self.filter(request.filter)
        let pageSize = request.pageSize == 0 ? 100 : min(Int(request.pageSize), 1_000)
        let letters = try await storeCall("list dead letters") {
            try await core.store.deadLetters(
                matching: filter,
                after: request.pageToken.isEmpty ? nil : request.pageToken,
                limit: pageSize + 1
            )
        }
        let page = letters.prefix(pageSize)
        return .init(
            entries: page.map(Self.entry),
            nextPageToken: letters.count > pageSize ? page.last?.task.id ?? "" : ""
        )
    }

    func showDeadLetter(
        _ request: Zrpc_Queue_ShowDeadLetterRequest,
        context: ServerContext
    ) async throws -> Zrpc_Queue_ShowDeadLetterReply {
        guard !request.taskID.isEmpty else { throw RPCError(code: .invalidArgument, message: "name the task to show") }
        var filter = DeadLetterFilter()
        filter.taskID = request.taskID
        let letters = try await storeCall("show a dead letter") {
            try await core.store.deadLetters(matching: filter, after: nil, limit: 1)
        }
        guard let letter = letters.first else {
            throw RPCError(code: .notFound, message: "no dead letter with task id \(request.taskID)")
        }
        return .init(entry: Self.entry(letter), payload: letter.task.payload)
    }

    func replay(_ request: Zrpc_Queue_ReplayRequest, context: ServerContext) async throws -> Zrpc_Queue_ReplayReply {
        let filter = try Self.filter(request.filter, all: request.all)
        let now = core.now()
        let tasks = try await storeCall("replay dead letters") {
            try await core.store.replay(
                matching: filter,
                limit: request.limit == 0 ? Int.max : Int(request.limit),
                now: now
            )
        }
        core.apply(core.engine.replay(tasks, now: now))
        core.logger.notice("replayed \(tasks.count) dead letter(s)")
        return .init(taskIds: tasks.map(\.id))
    }

    func purge(_ request: Zrpc_Queue_PurgeRequest, context: ServerContext) async throws -> Zrpc_Queue_PurgeReply {
        let filter = try Self.filter(request.filter, all: request.all)
        let purged = try await storeCall("purge dead letters") { try await core.store.purge(matching: filter) }
        core.logger.notice("purged \(purged) dead letter(s)")
        return .init(purged: UInt64(purged))
    }

    private func storeCall<Value>(_ what: String, _ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as RPCError {
            throw error
        } catch {
            throw StoreFailure.rpcError(error, doing: what)
        }
    }

    /// The store's filter from the wire's, refusing an unknown reason and (for operations that
    /// change things) an empty filter without `all`.
    private static func filter(_ wire: Zrpc_Queue_DeadLetterFilter?, all: Bool? = nil) throws -> DeadLetterFilter {
        let wire = wire ?? .init()
        var filter = DeadLetterFilter()
        if !wire.taskID.isEmpty { filter.taskID = wire.taskID }
        if !wire.queue.isEmpty { filter.queue = wire.queue }
        if !wire.reason.isEmpty {
            guard let reason = DeadLetterReason(rawValue: wire.reason) else {
                let known = DeadLetterReason.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw RPCError(code: .invalidArgument, message: "unknown reason \"\(wire.reason)\"; one of \(known)")
            }
            filter.reason = reason
        }
        if wire.sinceUnixMillis != 0 { filter.since = wire.sinceUnixMillis }
        if wire.untilUnixMillis != 0 { filter.until = wire.untilUnixMillis }
        if let all, !all, filter == DeadLetterFilter() {
            throw RPCError(code: .invalidArgument, message: "the filter is empty: set all to act on every dead letter")
        }
        return filter
    }

    private static func entry(_ letter: DeadLetter) -> Zrpc_Queue_DeadLetterEntry {
        let task = letter.task
        return Zrpc_Queue_DeadLetterEntry(
            taskID: task.id,
            queue: task.queue,
            reason: letter.reason.rawValue,
            attempts: UInt32(clamping: task.attempts),
            errors: task.errors,
            enqueuedUnixMillis: task.enqueuedAt,
            firstAttemptUnixMillis: task.firstAttemptAt ?? 0,
            lastAttemptUnixMillis: task.lastAttemptAt ?? 0,
            deadLetteredUnixMillis: letter.deadLetteredAt,
            idempotencyKey: task.idempotencyKey,
            payloadBytes: UInt32(clamping: task.payload.count)
        )
    }
}
