import Synchronization

/// The broker's live state: every queue's ``TaskQueue``, the attached workers and their credit.
/// It decides what to deliver to whom; it does no I/O of its own: deliveries go to each worker's
/// outbox, and settlements are returned for the caller to record in the store.
final class BrokerEngine: Sendable {
    /// What a change led to: settlements for the store, and the earliest time the change made
    /// something due (a lease's expiry, a retry's backoff), for the broker's timer.
    struct Outcome: Sendable {
        var settlements: [Settlement] = []
        var due: UnixMillis?

        mutating func merge(_ other: Outcome) {
            settlements += other.settlements
            due = [due, other.due].compactMap(\.self).min()
        }

        mutating func noteDue(_ time: UnixMillis?) {
            due = [due, time].compactMap(\.self).min()
        }
    }

    /// An attached worker.
    private struct Worker {
        let name: String
        let queues: [String]
        var credit: Int
        let heartbeat: UnixMillis
        var lastHeard: UnixMillis
        var lastSent: UnixMillis
        let outbox: AsyncStream<Zrpc_Queue_BrokerMessage>.Continuation
    }

    private struct State {
        var queues: [String: TaskQueue] = [:]
        var workers: [WorkerID: Worker] = [:]
        /// Workers in the order they are offered tasks: the one served last goes to the back.
        var rotation: [WorkerID] = []
        var nextWorker: WorkerID = 1
        var nextDelivery: UInt64 = 1
        var random = SystemRandomNumberGenerator()

        // Queues change in place, `queues[name, default: TaskQueue(name: name)].add(task)`: a queue
        // copied out of the dictionary and stored back would copy all its tasks at its first change
        // (copy on write), which made every enqueue, delivery and ack cost as much as the queue is long.
    }

    /// How many heartbeat intervals of silence make a worker dead.
    static let silentIntervals: Int64 = 3

    private let state = Mutex(State())

    /// Adds tasks (new, or loaded after a restart) and delivers what it can.
    func add(_ tasks: [QueuedTask], now: UnixMillis) -> Outcome {
        state.withLock { state in
            var outcome = Outcome()
            for task in tasks {
                state.queues[task.queue, default: TaskQueue(name: task.queue)].add(task)
                if task.notBefore > now { outcome.noteDue(task.notBefore) }
            }
            outcome.merge(Self.dispatch(&state, now: now))
            return outcome
        }
    }

    /// Puts replayed dead letters back in their queues and delivers what it can.
    func replay(_ tasks: [QueuedTask], now: UnixMillis) -> Outcome {
        state.withLock { state in
            for task in tasks {
                state.queues[task.queue, default: TaskQueue(name: task.queue)].replay(task)
            }
            return Self.dispatch(&state, now: now)
        }
    }

    /// Adds counts of tasks settled before a restart, so the invariant holds across it.
    func restoreSettled(_ counts: [String: SettledCounts]) {
        state.withLock { state in
            for (name, settled) in counts {
                state.queues[name, default: TaskQueue(name: name)].restoreSettled(
                    acked: settled.acked,
                    deadLettered: settled.deadLettered
                )
            }
        }
    }

    /// Attaches a worker; deliveries for it go to `outbox`.
    func attach(
        name: String,
        queues: [String],
        credit: Int,
        heartbeat: UnixMillis,
        outbox: AsyncStream<Zrpc_Queue_BrokerMessage>.Continuation,
        now: UnixMillis
    ) -> (WorkerID, Outcome) {
        state.withLock { state in
            let id = state.nextWorker
            state.nextWorker += 1
            state.workers[id] = Worker(
                name: name,
                queues: queues,
                credit: credit,
                heartbeat: heartbeat,
                lastHeard: now,
                lastSent: now,
                outbox: outbox
            )
            state.rotation.append(id)
            return (id, Self.dispatch(&state, now: now))
        }
    }

    /// Detaches a worker: its leased tasks return to their queues at once (each counts as a failed attempt).
    func detach(_ worker: WorkerID, now: UnixMillis) -> Outcome {
        state.withLock { state in
            var outcome = Outcome(settlements: Self.remove(worker, &state, now: now))
            outcome.merge(Self.dispatch(&state, now: now))
            return outcome
        }
    }

    /// The worker said something: it is alive.
    func heard(from worker: WorkerID, now: UnixMillis) {
        state.withLock { state in state.workers[worker]?.lastHeard = now }
    }

    /// The worker takes `credit` more tasks.
    func grant(_ credit: Int, to worker: WorkerID, now: UnixMillis) -> Outcome {
        state.withLock { state in
            state.workers[worker]?.credit += credit
            return Self.dispatch(&state, now: now)
        }
    }

    /// The worker answered a delivery; `nil` settlement when the answer came too late to count.
    func answer(
        _ answer: TaskQueue.Answer,
        queue name: String?,
        taskID: String,
        delivery: UInt64,
        from worker: WorkerID,
        now: UnixMillis
    ) -> Outcome {
        state.withLock { state in
            var outcome = Outcome()
            guard let workerState = state.workers[worker] else { return outcome }
            for queueName in workerState.queues where name == nil || name == queueName {
                guard state.queues[queueName]?.leases[taskID]?.worker == worker else { continue }
                if let settled = state.queues[queueName, default: TaskQueue(name: queueName)].answer(
                    answer,
                    taskID: taskID,
                    delivery: delivery,
                    now: now,
                    random: &state.random
                ) {
                    outcome.settlements.append(settled)
                    if case .rescheduled(let task) = settled { outcome.noteDue(task.notBefore) }
                }
            }
            outcome.merge(Self.dispatch(&state, now: now))
            return outcome
        }
    }

    /// Runs what time brings: leases that ran out, silent workers (detached), heartbeats to idle
    /// workers, tasks whose backoff is over. Returns the settlements and the workers found dead.
    func tick(now: UnixMillis) -> (outcome: Outcome, dead: [String]) {
        state.withLock { state in
            var outcome = Outcome()
            let silent = state.workers.filter { now - $0.value.lastHeard > Self.silentIntervals * $0.value.heartbeat }
            for id in silent.keys.sorted() {
                outcome.settlements += Self.remove(id, &state, now: now)
            }
            for name in state.queues.keys.sorted() {
                outcome.settlements += state.queues[name, default: TaskQueue(name: name)].expireLeases(
                    now: now,
                    random: &state.random
                )
            }
            for (id, worker) in state.workers where now - worker.lastSent >= worker.heartbeat {
                worker.outbox.yield(.init(kind: .heartbeat(.init())))
                state.workers[id]?.lastSent = now
            }
            outcome.merge(Self.dispatch(&state, now: now))
            return (outcome, silent.values.map(\.name).sorted())
        }
    }

    /// Removes a worker and returns its leased tasks to their queues.
    private static func remove(_ id: WorkerID, _ state: inout State, now: UnixMillis) -> [Settlement] {
        guard let removed = state.workers.removeValue(forKey: id) else { return [] }
        removed.outbox.finish()
        state.rotation.removeAll { $0 == id }
        var settlements: [Settlement] = []
        for name in removed.queues {
            settlements += state.queues[name, default: TaskQueue(name: name)].releaseLeases(
                of: id,
                now: now,
                random: &state.random
            )
        }
        return settlements
    }

    /// When ``tick(now:)`` next has something to do.
    func nextDue(now: UnixMillis) -> UnixMillis {
        state.withLock { state in
            var due = state.queues.values.compactMap(\.nextDue).min() ?? UnixMillis.max
            for worker in state.workers.values {
                due = min(
                    due,
                    worker.lastSent + worker.heartbeat,
                    worker.lastHeard + Self.silentIntervals * worker.heartbeat + 1
                )
            }
            return due
        }
    }

    /// Per queue, the counts behind `enqueued = acked + deadLettered + ready + leased`.
    func counts() -> [String: TaskQueue.Counts] {
        state.withLock { state in state.queues.mapValues(\.counts) }
    }

    /// The attached workers' names and the tasks each holds.
    func workers() -> [(name: String, queues: [String], leased: Int)] {
        state.withLock { state in
            state.rotation.compactMap { id in
                guard let worker = state.workers[id] else { return nil }
                let leased = worker.queues.reduce(0) { sum, name in
                    sum + (state.queues[name]?.leases.values.filter { $0.worker == id }.count ?? 0)
                }
                return (worker.name, worker.queues, leased)
            }
        }
    }

    /// Delivers tasks to workers with credit, in rotation, until none can take or none may run.
    private static func dispatch(_ state: inout State, now: UnixMillis) -> Outcome {
        var outcome = Outcome()
        var progress = true
        while progress {
            progress = false
            for id in state.rotation {
                guard let worker = state.workers[id], worker.credit > 0 else { continue }
                guard let delivery = takeTask(for: id, worker, &state, now: now, outcome: &outcome) else { continue }
                state.workers[id]?.credit -= 1
                state.workers[id]?.lastSent = now
                worker.outbox.yield(.init(kind: .delivery(delivery)))
                // The worker served goes to the back of the rotation.
                state.rotation.removeAll { $0 == id }
                state.rotation.append(id)
                progress = true
                break
            }
        }
        return outcome
    }

    /// The first task that may run now in one of the worker's queues, leased to it.
    private static func takeTask(
        for id: WorkerID,
        _ worker: Worker,
        _ state: inout State,
        now: UnixMillis,
        outcome: inout Outcome
    ) -> Zrpc_Queue_Delivery? {
        for name in worker.queues where state.queues[name] != nil {
            taking: while true {
                switch state.queues[name, default: TaskQueue(name: name)].take(
                    worker: id,
                    delivery: state.nextDelivery,
                    now: now
                ) {
                case .delivered(let lease):
                    state.nextDelivery += 1
                    outcome.noteDue(lease.expiresAt)
                    return .init(lease)
                case .expired(let settlement):
                    outcome.settlements.append(settlement)
                case .empty(let nextAt):
                    outcome.noteDue(nextAt)
                    break taking
                }
            }
        }
        return nil
    }
}

extension Zrpc_Queue_Delivery {
    init(_ lease: Lease) {
        let task = lease.task
        self.init(
            taskID: task.id,
            delivery: lease.delivery,
            queue: task.queue,
            payload: task.payload,
            idempotencyKey: task.idempotencyKey,
            attempt: UInt32(clamping: task.attempts),
            deadlineUnixMillis: task.deadline ?? 0,
            leaseExpiresUnixMillis: lease.expiresAt,
            enqueuedUnixMillis: task.enqueuedAt
        )
    }
}
