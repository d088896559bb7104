import Foundation
import GRDB
import Logging
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// `queue-chaos worker BROKER LEDGER`: takes the chaos queue's tasks and, for each, appends its key
/// to the ledger table in the idempotency store, in the transaction that records the key.
struct ChaosWorker {
    static let queue = "chaos.Ledger/Append"
    let broker: String
    let ledger: String

    init(arguments: [String]) throws {
        guard arguments.count == 2 else { throw ChaosOptions.UsageError(description: "worker BROKER LEDGER") }
        broker = arguments[0]
        ledger = arguments[1]
    }

    func run() async throws {
        let store = try await IdempotencyStore(path: ledger)
        var logger = Logger(label: "chaos.worker")
        logger.logLevel = .critical
        let handler = TaskHandler(queue: Self.queue, as: Zrpc_Testkit_FaultRequest.self) { task, context in
            // Some work in flight when the kill comes.
            try await Task.sleep(for: .microseconds(Int.random(in: 0...2_000)))
            let key = task.key
            try await store.perform(key: context.idempotencyKey) { db in
                try db.execute(sql: "INSERT INTO ledger (key) VALUES (?)", arguments: [key])
                return []
            }
        }
        var configuration = Client.Configuration(endpoints: [broker])
        configuration.logger = logger
        try await Client.withClient(configuration: configuration) { client in
            let worker = QueueWorker(
                client: client,
                handlers: [handler],
                configuration: .init(
                    name: "chaos-worker-\(ProcessInfo.processInfo.processIdentifier)",
                    concurrency: 8,
                    reconnectBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)),
                    logger: logger
                )
            )
            say("worker ready")
            try await worker.run()
        }
    }
}

/// `queue-chaos producer BROKER FIRST COUNT`: enqueues tasks FIRST ..< FIRST+COUNT, each keyed by
/// its number, retrying each until the broker confirms it (the key makes a retry safe), and
/// prints `ok KEY` for each confirmation, then `done`.
struct ChaosProducer {
    let broker: String
    let first: Int
    let count: Int

    init(arguments: [String]) throws {
        guard arguments.count == 3, let first = Int(arguments[1]), let count = Int(arguments[2]) else {
            throw ChaosOptions.UsageError(description: "producer BROKER FIRST COUNT")
        }
        broker = arguments[0]
        self.first = first
        self.count = count
    }

    func run() async throws {
        var logger = Logger(label: "chaos.producer")
        logger.logLevel = .critical
        var configuration = Client.Configuration(endpoints: [broker], defaultTimeout: .seconds(3))
        configuration.logger = logger
        try await Client.withClient(configuration: configuration) { client in
            let producer = TaskProducer<Zrpc_Testkit_FaultRequest>(client: client, queue: ChaosWorker.queue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // 32 enqueues in flight, so the broker's group commit has company.
                for lane in 0..<32 {
                    group.addTask {
                        for index in stride(from: first + lane, to: first + count, by: 32) {
                            let key = "task-\(index)"
                            try await enqueueUntilConfirmed(producer, key: key)
                            say("ok \(key)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            say("done")
        }
    }

    private func enqueueUntilConfirmed(_ producer: TaskProducer<Zrpc_Testkit_FaultRequest>, key: String) async throws {
        var wait = Duration.milliseconds(20)
        while true {
            do {
                try await producer.enqueue(.init(key: key), options: .init(idempotencyKey: key, deadline: .none))
                return
            } catch {
                try await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(1))
            }
        }
    }
}

/// Writes one line to standard output at once (one write: lines from many tasks never mix, and
/// the parent sees them without waiting for a buffer to fill).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
