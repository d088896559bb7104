import BenchmarkKit
import Foundation
import Logging
import Synchronization
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// The durable rows: tasks per second through a broker child (`queue-benchmark serve-broker`: a
/// `QueueBroker` hosted in a `Server`, as `zrpc-broker` runs it) from the first enqueue to the last
/// ack, with `synchronous` FULL and NORMAL, in alternated rounds, each over a fresh database.
///
/// Producers keep ``QueueBenchmarkOptions/inFlight`` enqueue calls in flight over
/// ``QueueBenchmarkOptions/producerClients`` clients (so group commit has enqueues to batch); one
/// `QueueWorker` on a client of its own takes tasks with ``QueueBenchmarkOptions/workerCredit``
/// credit, runs a handler that only counts, and acks each. Before the clock starts, a warm-up of
/// ``QueueBenchmarkOptions/warmupTasks`` tasks goes the same way (clients connected, worker attached).
/// The clock stops when the broker counts the last task acked.
struct DurableBenchmark {
    let options: QueueBenchmarkOptions
    /// The queue the benchmark's tasks go to.
    static let queue = "bench.Queue/Run"

    /// One round's figures.
    struct Sample: Sendable {
        /// Tasks per second, first enqueue to last ack.
        var rate: Double
        /// fsync + fdatasync calls of the broker process while the clock ran, per timed task; nil
        /// when they were not counted.
        var fsyncsPerTask: Double?
        /// Transactions the broker committed while the clock ran, per timed task.
        var commitsPerTask: Double
        /// Jobs (enqueue calls, batches of settlements) per committed transaction, while the clock ran.
        var jobsPerCommit: Double
    }

    /// What one row measures: a `synchronous` level and the tasks each enqueue call carries.
    struct Setup: Hashable, Sendable {
        var level: QueueBroker.Synchronous
        var batch: Int

        var label: String {
            "\(level.rawValue.uppercased())" + (batch == 1 ? "" : ", \(batch) tasks per enqueue call")
        }
    }

    /// The setups measured: both levels with ``QueueBenchmarkOptions/batch`` tasks per call, then
    /// both with ``QueueBenchmarkOptions/batchedRow`` (unless it is 0 or the same).
    var setups: [Setup] {
        var setups = [Setup(level: .full, batch: options.batch), Setup(level: .normal, batch: options.batch)]
        if options.batchedRow > 0, options.batchedRow != options.batch {
            setups += [
                Setup(level: .full, batch: options.batchedRow), Setup(level: .normal, batch: options.batchedRow),
            ]
        }
        return setups
    }

    /// The rounds of one setup.
    struct Result: Sendable {
        var samples: [Sample] = []
        var failures: [String] = []
    }

    /// Runs every round of every setup.
    func run() async -> [Setup: Result] {
        var results: [Setup: Result] = [:]
        for round in 0..<options.rounds {
            progress("durable: round \(round + 1) of \(options.rounds) (\(options.tasks) tasks each)")
            for setup in round % 2 == 0 ? setups : setups.reversed() {
                do {
                    let sample = try await measure(setup)
                    report(setup, sample)
                    results[setup, default: Result()].samples.append(sample)
                } catch {
                    results[setup, default: Result()].failures.append("durable \(setup.label): \(error)")
                    progress("  \(setup.label) failed: \(error)")
                }
            }
        }
        return results
    }

    private func report(_ setup: Setup, _ sample: Sample) {
        progress(
            "  \(setup.label): \(Int(sample.rate.rounded())) tasks/s, "
                + "\(format(sample.commitsPerTask, 3)) commits/task, "
                + "\(format(sample.jobsPerCommit, 1)) jobs/commit"
                + (sample.fsyncsPerTask.map { ", \(format($0, 3)) fsyncs/task" } ?? "")
        )
    }

    /// One round: a new broker child over a new database.
    private func measure(_ setup: Setup) async throws -> Sample {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "queue-benchmark-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = try BenchmarkChild(
            arguments: [
                "serve-broker", "--database", folder.appendingPathComponent("broker.sqlite").path,
                "--synchronous", setup.level.rawValue,
            ]
        )
        let timed: (rate: Double, before: BrokerStats, after: BrokerStats, fsyncs: Int?)
        do {
            timed = try await withClients(options.producerClients + 1, endpoint: broker.endpoint) { clients in
                try await run(
                    clients,
                    broker: broker,
                    batch: setup.batch,
                    perfOutput: folder.appendingPathComponent("perf.csv").path
                )
            }
        } catch {
            broker.stop()
            throw error
        }
        broker.stop()
        let commits = timed.after.transactions - timed.before.transactions
        let jobs = timed.after.jobs - timed.before.jobs
        return Sample(
            rate: timed.rate,
            fsyncsPerTask: timed.fsyncs.map { Double($0) / Double(options.tasks) },
            commitsPerTask: Double(commits) / Double(options.tasks),
            jobsPerCommit: commits > 0 ? Double(jobs) / Double(commits) : 0
        )
    }

    /// The warm-up, then the timed run, with the worker running.
    private func run(
        _ clients: [Client],
        broker: BenchmarkChild,
        batch: Int,
        perfOutput: String
    ) async throws -> (rate: Double, before: BrokerStats, after: BrokerStats, fsyncs: Int?) {
        let producers = clients.dropLast().map {
            TaskProducer<Zrpc_Testkit_FaultRequest>(client: $0, queue: Self.queue)
        }
        let handled = Counter()
        var configuration = QueueWorker.Configuration(name: "bench-worker", concurrency: options.workerCredit)
        configuration.logger = quietLogger("queue-benchmark.worker")
        let worker = QueueWorker(
            client: clients[clients.count - 1],
            handlers: [
                TaskHandler(queue: Self.queue, as: Zrpc_Testkit_FaultRequest.self) { _, _ in handled.increment() }
            ],
            configuration: configuration
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            defer { group.cancelAll() }
            let warmup = options.warmupTasks
            try await enqueue(0..<warmup, producers, batch: batch)
            try await waitUntilAcked(warmup, handled: handled, broker: broker)
            let fsyncs = options.countFsyncs ? FsyncCounter(pid: broker.pid, output: perfOutput) : nil
            let before = try BrokerStats(broker)
            let start = ContinuousClock.now
            try await enqueue(warmup..<(warmup + options.tasks), producers, batch: batch)
            try await waitUntilAcked(warmup + options.tasks, handled: handled, broker: broker)
            let elapsed = start.duration(to: .now)
            let after = try BrokerStats(broker)
            return (Double(options.tasks) / seconds(elapsed), before, after, fsyncs?.stop())
        }
    }

    /// Enqueues the tasks numbered `range` with ``QueueBenchmarkOptions/inFlight`` calls in flight,
    /// `batch` tasks per call.
    private func enqueue(
        _ range: Range<Int>,
        _ producers: [TaskProducer<Zrpc_Testkit_FaultRequest>],
        batch: Int
    ) async throws {
        let next = Counter(range.lowerBound)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<options.inFlight {
                let producer = producers[lane % producers.count]
                group.addTask {
                    while true {
                        let first = next.add(batch)
                        guard first < range.upperBound else { return }
                        let numbers = first..<min(first + batch, range.upperBound)
                        if numbers.count == 1 {
                            try await producer.enqueue(Self.task(first))
                        } else {
                            try await producer.enqueue(contentsOf: numbers.map(Self.task))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Task `number`: about 64 bytes, distinct from every other (its idempotency key is derived from it).
    private static func task(_ number: Int) -> Zrpc_Testkit_FaultRequest {
        Zrpc_Testkit_FaultRequest(key: "task-\(number)", payload: [UInt8](repeating: 0x61, count: 48))
    }

    /// Waits until the worker has run `count` tasks and the broker counts them acked.
    private func waitUntilAcked(_ count: Int, handled: Counter, broker: BenchmarkChild) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60 + count / 500))
        while handled.value < count {
            guard ContinuousClock.now < deadline else {
                throw BenchmarkFailure(message: "the worker ran \(handled.value) of \(count) tasks")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        while try BrokerStats(broker).acked < count {
            guard ContinuousClock.now < deadline else {
                throw BenchmarkFailure(message: "the broker did not count \(count) tasks acked")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Runs `body` with `count` clients connected to `endpoint`.
    private func withClients<Result: Sendable>(
        _ count: Int,
        endpoint: String,
        connected: [Client] = [],
        _ body: ([Client]) async throws -> Result
    ) async throws -> Result {
        guard connected.count < count else { return try await body(connected) }
        var configuration = Client.Configuration(endpoints: [endpoint])
        configuration.logger = quietLogger("queue-benchmark.client")
        return try await Client.withClient(configuration: configuration) { client in
            try await withClients(count, endpoint: endpoint, connected: connected + [client], body)
        }
    }
}

/// The broker child's counters, read through its standard input (`stats` → `STATS <acked>
/// <transactions> <jobs>`).
struct BrokerStats: Sendable {
    var acked: Int
    var transactions: Int
    var jobs: Int

    init(_ broker: BenchmarkChild) throws {
        let line = try broker.request("stats")
        let fields = line.split(separator: " ").compactMap { Int($0) }
        guard line.hasPrefix("STATS "), fields.count == 3 else {
            throw BenchmarkFailure(message: "the broker answered \(line)")
        }
        (acked, transactions, jobs) = (fields[0], fields[1], fields[2])
    }
}

/// The broker child: `serve-broker --database PATH --synchronous full|normal` hosts a
/// `QueueBroker` in a `Server` bound to tcp://127.0.0.1:* (as `zrpc-broker` does), prints its
/// endpoint and answers `stats` lines until its standard input closes.
enum BrokerChild {
    static func run(_ arguments: [String]) async throws -> Never {
        func value(_ flag: String) -> String? {
            arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        guard let database = value("--database"),
            let synchronous = QueueBroker.Synchronous(rawValue: value("--synchronous") ?? "full")
        else {
            throw BenchmarkFailure(message: "serve-broker needs --database PATH [--synchronous full|normal]")
        }
        let logger = quietLogger("queue-benchmark.broker")
        let broker = try await QueueBroker(
            configuration: .init(databasePath: database, synchronous: synchronous, logger: logger)
        )
        var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"], logger: logger)
        // Workers hold one call open for a whole session.
        configuration.maxTimeout = .seconds(24 * 3_600)
        try await Server.withServer(configuration: configuration, services: broker.services) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await broker.run() }
                ParentLink.start { line in
                    guard line == "stats" else { return nil }
                    let acked = broker.statistics.values.reduce(0) { $0 + $1.acked }
                    let commits = broker.commitStatistics
                    return "STATS \(acked) \(commits.transactions) \(commits.jobs)"
                }
                ParentLink.say("ENDPOINT \(server.boundEndpoints[0])")
                try await group.waitForAll()
            }
        }
        exit(0)
    }
}

/// A counter shared by tasks.
final class Counter: Sendable {
    private let storage: Atomic<Int>

    init(_ initial: Int = 0) {
        storage = Atomic(initial)
    }

    var value: Int { storage.load(ordering: .relaxed) }

    func increment() {
        storage.add(1, ordering: .relaxed)
    }

    /// Adds `amount` and returns the value before.
    func add(_ amount: Int) -> Int {
        storage.add(amount, ordering: .relaxed).oldValue
    }
}

/// A logger that reports errors only.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .error
    return logger
}
