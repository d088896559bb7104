import Foundation
import Logging
import Synchronization
import Testing
import ZRPC
import ZRPCQueue
import ZRPCTestKit

private typealias Work = Zrpc_Testkit_FaultRequest

/// The durable queue with its broker and workers in processes of their own, killed as crashes are.
@Suite("Durable queue across processes", .serialized)
struct QueueAcrossProcessesTests {
    private static let queue = "test.Jobs/Run"

    private static func temporaryDatabase() throws -> (folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (folder, folder.appendingPathComponent("broker.sqlite").path)
    }

    private static func clientConfiguration(_ endpoint: String) -> Client.Configuration {
        var configuration = Client.Configuration(endpoints: [endpoint])
        configuration.logger = quietLogger()
        return configuration
    }

    private static func quietLogger() -> Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test("a worker killed mid-task loses the task to another worker at once, not after its lease")
    func workerKilled() async throws {
        let (folder, path) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = try await ChildProcess.start("zrpc-broker", arguments: ["tcp://127.0.0.1:*", "--database", path])
        defer { Task { await broker.stop() } }
        try await Client.withClient(configuration: Self.clientConfiguration(broker.endpoint)) { client in
            let doomed = try await ChildProcess.start("zrpc-test-worker", arguments: [broker.endpoint])
            // A lease far longer than the test: only the worker's death can free the task.
            var options = EnqueueOptions()
            options.policy.lease = .seconds(600)
            try await TaskProducer<Work>(client: client, queue: Self.queue)
                .enqueue(Work(key: "sleep-first:600000:job"), options: options)
            #expect(await doomed.printed("started sleep-first:600000:job 1", within: .seconds(10)))
            doomed.kill()
            let killed = ContinuousClock.now
            let attempts = Mutex<[Int]>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { _, context in
                attempts.withLock { $0.append(context.attempt) }
            }
            let worker = QueueWorker(
                client: client,
                handlers: [handler],
                configuration: .init(name: "survivor", logger: Self.quietLogger())
            )
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                #expect(await eventually(within: .seconds(15)) { attempts.withLock { $0 } == [2] })
            }
            let redelivered = killed.duration(to: .now)
            print("a task held by a SIGKILLed worker was redelivered \(redelivered) after the kill (lease 600 s)")
            #expect(redelivered < .seconds(10))
            await doomed.stop()
        }
        await broker.stop()
    }

    @Test("a broker killed after confirming tasks still has every one after it restarts")
    func brokerKilled() async throws {
        let (folder, path) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await ChildProcess.start("zrpc-broker", arguments: ["tcp://127.0.0.1:*", "--database", path])
        var confirmed: Set<String> = []
        try await Client.withClient(configuration: Self.clientConfiguration(first.endpoint)) { client in
            let producer = TaskProducer<Work>(client: client, queue: Self.queue)
            for index in 0..<200 { confirmed.insert(try await producer.enqueue(Work(key: "k\(index)")).rawValue) }
        }
        first.kill()
        await first.stop()
        let second = try await ChildProcess.start("zrpc-broker", arguments: ["tcp://127.0.0.1:*", "--database", path])
        let seen = Mutex<Set<String>>([])
        try await Client.withClient(configuration: Self.clientConfiguration(second.endpoint)) { client in
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { _, context in
                seen.withLock { _ = $0.insert(context.taskID.rawValue) }
            }
            let worker = QueueWorker(
                client: client,
                handlers: [handler],
                configuration: .init(logger: Self.quietLogger())
            )
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                defer { group.cancelAll() }
                #expect(await eventually(within: .seconds(20)) { seen.withLock { $0.count } == confirmed.count })
            }
        }
        #expect(seen.withLock { $0 } == confirmed)
        await second.stop()
    }

    @Test("a short chaos run (workers and the broker SIGKILLed) loses no confirmed task and repeats no effect")
    func shortChaos() async throws {
        let (status, output) = try await ChildProcess.runToEnd(
            "queue-chaos",
            arguments: ["--tasks", "400", "--kill-every", "1", "--broker-kills", "1"],
            within: .seconds(240)
        )
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("chaos: enqueued=400 "), "\(last)")
        #expect(last.hasSuffix(" lost=0 duplicate_effects=0"), "\(last)")
        #expect(status == 0)
    }
}
