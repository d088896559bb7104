public import Logging
public import ServiceLifecycle
public import ZRPC

/// A durable work-queue broker: producers enqueue tasks, workers take them with credit and answer
/// each, and the broker keeps every task in SQLite until it is acked or dead-lettered.
///
/// Host its ``services`` in a ``Server`` and run it beside that server (it is a `Service`, so a
/// `ServiceGroup` runs both); `zrpc-broker` is a process that does only this.
///
/// ```swift
/// let broker = try await QueueBroker(configuration: .init(databasePath: "/var/lib/app/queue.sqlite"))
/// let server = Server(configuration: .init(endpoints: ["tcp://0.0.0.0:7100"]), services: broker.services)
/// try await ServiceGroup(services: [server, broker], logger: logger).run()
/// ```
///
/// An enqueue is confirmed only after the transaction holding it has committed (group commit:
/// tasks that arrive together share a transaction). A restart loses no confirmed task: tasks that
/// were leased when the broker stopped are delivered again.
public final class QueueBroker: Service, Sendable {
    /// Where the broker keeps its tasks and the policies they get.
    public struct Configuration: Sendable {
        /// The SQLite file (created if missing; WAL mode).
        public var databasePath: String
        /// How hard a commit waits for the disk: `.full` (the default) loses nothing confirmed even
        /// to a power cut; `.normal` may lose the last commits to a power cut, not to a crash.
        public var synchronous: Synchronous
        /// The largest the database may grow, to keep a disk from filling: beyond it an enqueue
        /// fails with RESOURCE_EXHAUSTED (as when the disk is full) and confirms nothing; `nil`: no
        /// limit but the disk's.
        public var maxDatabaseBytes: Int?
        /// The policy of a queue that has none in ``queuePolicies``.
        public var defaultPolicy: TaskPolicy
        /// Per-queue changes, by queue name (e.g. `media.Thumbnails/Resize`), over what the queue's
        /// `.proto` declares; a producer's ``EnqueueOptions/policy`` overrides them in turn.
        public var queuePolicies: [String: TaskPolicy.Overrides]
        /// Jobs the broker enqueues on a schedule (cron or a fixed interval); their state lives in
        /// the broker's database, so a restart neither repeats nor forgets a fire.
        public var schedules: [Schedule]
        /// How long an acked task's idempotency key is remembered: an enqueue with the same key within
        /// this window returns the original task's id.
        public var retention: Duration
        /// Which clients may enqueue to and consume which queues (default
        /// ``QueueAuthorization/allowAll``), by their CURVE public keys (docs/SECURITY.md).
        public var authorization: QueueAuthorization
        /// Where the broker logs (dead letters at `notice`, store failures at `error`).
        public var logger: Logger

        /// Creates a configuration.
        public init(
            databasePath: String,
            synchronous: Synchronous = .full,
            maxDatabaseBytes: Int? = nil,
            defaultPolicy: TaskPolicy = TaskPolicy(),
            queuePolicies: [String: TaskPolicy.Overrides] = [:],
            schedules: [Schedule] = [],
            retention: Duration = .seconds(24 * 3_600),
            authorization: QueueAuthorization = .allowAll,
            logger: Logger = Logger(label: "zrpc.broker")
        ) {
            self.authorization = authorization
            self.schedules = schedules
            self.databasePath = databasePath
            self.synchronous = synchronous
            self.maxDatabaseBytes = maxDatabaseBytes
            self.defaultPolicy = defaultPolicy
            self.queuePolicies = queuePolicies
            self.retention = retention
            self.logger = logger
        }
    }

    /// SQLite's `synchronous` level for the broker's commits.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// Each commit is on disk before the enqueue is confirmed.
        case full
        /// Commits reach the disk at checkpoints: safe against a crash, not a power cut.
        case normal
    }

    /// The broker's configuration.
    public let configuration: Configuration
    let core: BrokerCore

    /// Opens the broker's database and loads the tasks it holds.
    ///
    /// - Throws: The database's error when the file cannot be opened or created.
    public convenience init(configuration: Configuration) async throws {
        let store = try await SQLiteTaskStore(
            path: configuration.databasePath,
            synchronous: configuration.synchronous == .full ? .full : .normal,
            maxBytes: configuration.maxDatabaseBytes
        )
        try await self.init(configuration: configuration, store: store)
    }

    /// A broker over `store` (tests put a failing store in front of the real one).
    init(configuration: Configuration, store: any TaskStore) async throws {
        self.configuration = configuration
        core = BrokerCore(
            store: store,
            defaultPolicy: configuration.defaultPolicy,
            queuePolicies: configuration.queuePolicies,
            authorization: configuration.authorization,
            logger: configuration.logger
        )
        core.engine.restoreSettled(try await store.settledCounts())
        let pending = try await store.pendingTasks()
        core.apply(core.engine.add(pending, now: core.now()))
        configuration.logger.info("broker opened \(configuration.databasePath) with \(pending.count) task(s) pending")
    }

    /// The broker's services: `zrpc.queue.Broker` for producers and workers, `zrpc.queue.Admin`
    /// for operators (statistics, the dead-letter queue).
    public var services: [any RPCService] { [BrokerService(core: core), AdminService(core: core)] }

    /// Per queue: tasks enqueued, acked, dead-lettered, ready and leased now. `enqueued` is always
    /// the sum of the other four.
    public var statistics: [String: QueueStatistics] {
        core.engine.counts().mapValues(QueueStatistics.init)
    }

    /// Enqueues and workers refused so far under ``Configuration/authorization``.
    ///
    /// ```swift
    /// #expect(broker.denials.enqueues == 0)
    /// ```
    public var denials: QueueDenials { core.denials.withLock { $0 } }

    /// The store's group commit so far: transactions committed and the jobs (enqueues, batches of
    /// settlements) they held. For benchmarks and diagnostics; zero for a store without group commit.
    package var commitStatistics: CommitStatistics {
        (core.store as? SQLiteTaskStore)?.commitStatistics ?? .init()
    }

    /// Runs the broker's timer (leases that run out, silent workers, retries whose backoff is over,
    /// forgetting old idempotency keys) and its schedules until the task is cancelled or a graceful shutdown begins.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.runTimer() }
                group.addTask { await BrokerScheduler(core: self.core, schedules: self.configuration.schedules).run() }
                await group.waitForAll()
            }
        }
        // What the broker settled is on disk, and the file free for another broker, before it
        // reports that it stopped.
        await core.store.close()
    }

    private func runTimer() async {
        var lastForget = core.now()
        while !Task.isCancelled {
            let now = core.now()
            let (outcome, dead) = core.engine.tick(now: now)
            core.apply(outcome)
            for worker in dead {
                configuration.logger.warning("worker \(worker) went silent: its tasks return to their queues")
            }
            if now - lastForget > 60_000 {
                lastForget = now
                forgetAcked(now: now)
            }
            let due = core.engine.nextDue(now: now)
            let wait = min(max(due - now, 1), 1_000)
            await core.doorbell.wait(for: .milliseconds(wait), wakingAt: now + wait)
        }
    }

    private func forgetAcked(now: UnixMillis) {
        let store = core.store
        let cutoff = now - configuration.retention.unixMillis
        let logger = configuration.logger
        Task {
            do {
                _ = try await store.forgetAcked(before: cutoff)
            } catch {
                logger.warning("could not forget acked tasks older than the retention window: \(error)")
            }
        }
    }
}

/// One queue's counts at a broker.
public struct QueueStatistics: Hashable, Sendable {
    /// Tasks accepted over the store's life (duplicates not counted).
    public var enqueued: Int
    /// Tasks that succeeded.
    public var acked: Int
    /// Tasks that failed for good.
    public var deadLettered: Int
    /// Tasks waiting to be delivered (some not before a backoff ends).
    public var ready: Int
    /// Tasks delivered and not answered yet.
    public var leased: Int

    init(_ counts: TaskQueue.Counts) {
        enqueued = counts.enqueued
        acked = counts.acked
        deadLettered = counts.deadLettered
        ready = counts.ready
        leased = counts.leased
    }
}
