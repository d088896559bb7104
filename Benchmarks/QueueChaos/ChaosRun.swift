import Foundation
import Synchronization
import GRDB
import Logging
import ZRPC
import ZRPCQueue

/// The chaos run: processes started, killed and restarted, then the drain and the checks.
struct ChaosRun {
    let options: ChaosOptions

    /// What the checks found.
    struct Result {
        var enqueued = 0
        var acked = 0
        var deadLettered = 0
        var lost = 0
        var duplicateEffects = 0
        /// The broker's counts balanced after the drain, and counted every confirmed task once.
        var invariantHolds = true

        var passed: Bool { lost == 0 && duplicateEffects == 0 && invariantHolds }
        var summaryLine: String {
            "chaos: enqueued=\(enqueued) acked=\(acked) dead_lettered=\(deadLettered) lost=\(lost) duplicate_effects=\(duplicateEffects)"
        }
    }

    func run() async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("queue-chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("broker.sqlite").path
        let ledger = folder.appendingPathComponent("ledger.sqlite").path
        try await createLedger(ledger)
        var random = SplitMixRandom(seed: options.seed)
        progress(
            "seed \(options.seed); \(options.tasks) tasks, \(options.workers) workers, \(options.producers) producers"
        )

        var broker = try await startBroker(database: database, endpoint: "tcp://127.0.0.1:*")
        let endpoint = broker.endpoint
        var workers = try (0..<options.workers).map { _ in try startWorker(endpoint, ledger) }
        let share = (options.tasks + options.producers - 1) / options.producers
        let producers = try (0..<options.producers).map { index in
            let first = index * share
            return try ChaosChild(
                name: "producer \(index)",
                executable: "queue-chaos",
                arguments: ["producer", endpoint, "\(first)", "\(max(0, min(share, options.tasks - first)))"]
            )
        }
        let started = ContinuousClock.now
        var workerKills = 0
        var brokerKills = 0
        // Broker kills spread over the run, by progress (confirmations and acks together).
        let brokerKillPoints = (0..<options.brokerKills).map { Double($0 + 1) / Double(options.brokerKills + 1) }
        var nextWorkerKill = ContinuousClock.now.advanced(by: .seconds(options.killEvery))
        var clientConfiguration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(1))
        clientConfiguration.logger.logLevel = .critical
        try await Client.withClient(configuration: clientConfiguration) { client in
            let admin = Zrpc_Queue_Admin.Client(wrapping: client)
            var acked = 0
            // Chaos goes on until every task is confirmed and 90% are acked; the rest drains in peace.
            while producers.contains(where: { !$0.output.contains("done") }) || acked < options.tasks * 9 / 10 {
                try await Task.sleep(for: .milliseconds(100))
                if producers.contains(where: { !$0.isRunning && !$0.output.contains("done") }) {
                    throw ChaosOptions.UsageError(description: "a producer exited before it was done")
                }
                let confirmed = producers.reduce(0) { $0 + $1.output.count { $0.hasPrefix("ok ") } }
                if let stats = try? await admin.stats(.init()).queues.first(where: { $0.queue == ChaosWorker.queue }) {
                    acked = Int(stats.acked + stats.deadLettered)
                }
                if ContinuousClock.now >= nextWorkerKill {
                    let victim = Int.random(in: 0..<workers.count, using: &random)
                    await workers[victim].kill()
                    workers[victim] = try startWorker(endpoint, ledger)
                    workerKills += 1
                    nextWorkerKill = ContinuousClock.now.advanced(by: .seconds(options.killEvery))
                }
                let done = Double(confirmed + acked) / Double(2 * options.tasks)
                if brokerKills < brokerKillPoints.count, done >= brokerKillPoints[brokerKills] {
                    await broker.child.kill()
                    broker = try await startBroker(database: database, endpoint: endpoint)
                    brokerKills += 1
                    progress(
                        "killed the broker (\(brokerKills) of \(options.brokerKills)) at \(confirmed) confirmed, \(acked) settled"
                    )
                }
                progress(
                    "t=\(started.duration(to: .now).components.seconds)s confirmed=\(confirmed)/\(options.tasks) settled=\(acked) worker_kills=\(workerKills) broker_kills=\(brokerKills)",
                    throttle: true
                )
            }
        }
        let confirmedKeys = Set(
            producers.flatMap { $0.output.filter { $0.hasPrefix("ok ") }.map { String($0.dropFirst(3)) } }
        )
        progress("chaos over after \(started.duration(to: .now)): \(confirmedKeys.count) tasks confirmed; draining")
        for producer in producers { await producer.stop() }
        let counts = try await drain(endpoint)
        for worker in workers { await worker.stop() }
        await broker.child.stop()
        progress(
            "drained after \(started.duration(to: .now)); \(workerKills) worker kills, \(brokerKills) broker kills"
        )
        var result = try await check(confirmed: confirmedKeys, database: database, ledger: ledger)
        if let counts {
            // The broker's own accounting must agree: enqueued = acked + dead_lettered + ready + leased.
            let balanced = counts.enqueued == counts.acked + counts.deadLettered + counts.ready + counts.leased
            result.invariantHolds = balanced && Int(counts.enqueued) == confirmedKeys.count
            progress(
                "broker counts: enqueued=\(counts.enqueued) acked=\(counts.acked) dead_lettered=\(counts.deadLettered) ready=\(counts.ready) leased=\(counts.leased): \(result.invariantHolds ? "balanced" : "NOT balanced")"
            )
        } else {
            result.invariantHolds = false
        }
        return result
    }

    private func startBroker(database: String, endpoint: String) async throws -> (child: ChaosChild, endpoint: String) {
        let child = try ChaosChild(
            name: "broker",
            executable: "zrpc-broker",
            arguments: [endpoint, "--database", database]
        )
        guard let line = await child.line(startingWith: "zrpc-broker", within: .seconds(20)),
            let range = line.range(of: #"tcp://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
        else { throw ChaosOptions.UsageError(description: "the broker did not start: \(child.output)") }
        return (child, String(line[range]))
    }

    private func startWorker(_ broker: String, _ ledger: String) throws -> ChaosChild {
        try ChaosChild(name: "worker", executable: "queue-chaos", arguments: ["worker", broker, ledger])
    }

    private func createLedger(_ path: String) async throws {
        let store = try await IdempotencyStore(path: path)
        try await store.perform(key: "chaos:setup") { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS ledger (key TEXT NOT NULL)")
            return []
        }
    }

    /// Waits until the queue has nothing ready or leased (at most 5 minutes).
    /// Returns the broker's final counts for the queue, or `nil` if it did not drain.
    private func drain(_ endpoint: String) async throws -> Zrpc_Queue_QueueStats? {
        var configuration = Client.Configuration(endpoints: [endpoint])
        configuration.logger.logLevel = .critical
        return try await Client.withClient(configuration: configuration) { client -> Zrpc_Queue_QueueStats? in
            let admin = Zrpc_Queue_Admin.Client(wrapping: client)
            let deadline = ContinuousClock.now.advanced(by: .seconds(300))
            while ContinuousClock.now < deadline {
                if let reply = try? await admin.stats(.init()),
                    let stats = reply.queues.first(where: { $0.queue == ChaosWorker.queue })
                {
                    if stats.ready == 0, stats.leased == 0 { return stats }
                    progress(
                        "draining: ready=\(stats.ready) leased=\(stats.leased) acked=\(stats.acked) workers=\(reply.workers.count)",
                        throttle: true
                    )
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            progress("the queue did not drain within 5 minutes")
            return nil
        }
    }

    /// Reads the broker's and the ledger's databases: each confirmed task's state, and effects
    /// recorded more than once.
    private func check(confirmed: Set<String>, database: String, ledger: String) async throws -> Result {
        var readOnly = Configuration()
        readOnly.readonly = true
        let states = try await DatabaseQueue(path: database, configuration: readOnly).read { db in
            try Dictionary(
                Row.fetchAll(db, sql: "SELECT idempotency_key, state FROM tasks").map {
                    ($0["idempotency_key"] as String, $0["state"] as Int)
                },
                uniquingKeysWith: { first, _ in first }
            )
        }
        let effects = try await DatabaseQueue(path: ledger, configuration: readOnly).read { db in
            try Row.fetchAll(db, sql: "SELECT key, COUNT(*) AS n FROM ledger GROUP BY key").map {
                ($0["key"] as String, $0["n"] as Int)
            }
        }
        var result = Result()
        result.enqueued = confirmed.count
        result.acked = confirmed.count { states[$0] == 1 }
        result.deadLettered = confirmed.count { states[$0] == 2 }
        result.lost = confirmed.count - result.acked - result.deadLettered
        result.duplicateEffects = effects.count { $0.1 > 1 }
        let effectKeys = Set(effects.map(\.0))
        let ackedWithoutEffect = confirmed.count { states[$0] == 1 && !effectKeys.contains($0) }
        progress(
            "acked without a recorded effect: \(ackedWithoutEffect); effects of unconfirmed tasks: \(effectKeys.subtracting(confirmed).count)"
        )
        return result
    }
}

/// Progress lines on standard error (at most one a second when throttled).
private let lastProgress = Mutex<ContinuousClock.Instant?>(nil)
func progress(_ text: String, throttle: Bool = false) {
    if throttle {
        let now = ContinuousClock.now
        let skip = lastProgress.withLock { last -> Bool in
            if let last, last.duration(to: now) < .seconds(1) { return true }
            last = now
            return false
        }
        if skip { return }
    }
    FileHandle.standardError.write(Data("[queue-chaos] \(text)\n".utf8))
}
