import Foundation
import GRDB
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

@testable import ZRPCQueue

private typealias Work = Zrpc_Testkit_FaultRequest

/// Bad bytes and a failing disk at the broker: a clear error back, no false confirmation, and
/// nothing disturbed for anyone else.
@Suite("Durable queue under hostile input")
struct HostileInputTests {
    private static let queue = "test.Jobs/Run"

    /// Cuts every request's payload to its first `keep` bytes, or flips one byte in it.
    private struct Mangle: ClientInterceptor {
        let mangle: @Sendable ([UInt8]) -> [UInt8]
        func intercept(
            _ request: ClientRequest,
            next: @Sendable (ClientRequest) async throws -> ClientResponse
        ) async throws -> ClientResponse {
            var request = request
            request.payload = try SerializedMessage(bytes: mangle(request.payload.bytes))
            return try await next(request)
        }
    }

    @Test(
        "a truncated or corrupt enqueue gets INVALID_ARGUMENT and disturbs no other producer",
        arguments: [
            "truncated", "flipped", "garbage",
        ]
    )
    func corruptEnqueue(kind: String) async throws {
        try await BrokerHarness.with { harness in
            let honest = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            try await honest.enqueue(Work(key: "before"))
            let mangle: @Sendable ([UInt8]) -> [UInt8] = { bytes in
                switch kind {
                case "truncated": Array(bytes.prefix(bytes.count - 3))
                case "flipped": bytes.enumerated().map { $0 == 1 ? $1 ^ 0x80 : $1 }
                default: [0xff, 0xff, 0xff, 0xff, 0x0f]
                }
            }
            var configuration = Client.Configuration(endpoints: [harness.endpoint])
            configuration.logger.logLevel = .critical
            configuration.interceptors = [Mangle(mangle: mangle)]
            try await Client.withClient(configuration: configuration) { client in
                let hostile = TaskProducer<Work>(client: client, queue: Self.queue)
                let error = await #expect(throws: RPCError.self) {
                    try await hostile.enqueue(Work(key: String(repeating: "x", count: 40), payload: [1, 2, 3]))
                }
                #expect(error?.code == .invalidArgument, "\(String(describing: error))")
            }
            try await honest.enqueue(Work(key: "after"))
            #expect(harness.broker.statistics[Self.queue]?.enqueued == 2)
        }
    }

    @Test("a task that does not decode as its queue's type is dead-lettered with the reason, and the worker goes on")
    func undecodableTask() async throws {
        try await BrokerHarness.with { harness in
            // Bytes that are not a FaultRequest: field 1 as a varint where a string is expected.
            let wrong = TaskProducer<Zrpc_Testkit_TickRequest>(client: harness.client, queue: Self.queue)
            try await wrong.enqueue(.init(count: 7))
            try await TaskProducer<Work>(client: harness.client, queue: Self.queue).enqueue(Work(key: "fine"))
            let handled = Mutex<[String]>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { task, _ in
                handled.withLock { $0.append(task.key) }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(
                    await eventually {
                        let stats = harness.broker.statistics[Self.queue]
                        return stats?.acked == 1 && stats?.deadLettered == 1
                    }
                )
            }
            #expect(handled.withLock { $0 } == ["fine"])
            let admin = Zrpc_Queue_Admin.Client(wrapping: harness.client)
            let letter = try #require(try await admin.listDeadLetters(.init()).entries.first)
            #expect(letter.reason == "permanent error")
            #expect(
                letter.errors.first?.contains("did not decode as zrpc.testkit.FaultRequest") == true,
                "\(letter.errors)"
            )
            #expect(
                letter.errors.first?.components(separatedBy: "zrpc.testkit.FaultRequest").count == 2,
                "the type is named once: \(letter.errors)"
            )
        }
    }

    @Test("a full database refuses enqueues with RESOURCE_EXHAUSTED; every confirmed task is there after a restart")
    func fullDatabase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("broker.sqlite").path
        let confirmed = try await BrokerHarness.with(databasePath: path, configure: { $0.maxDatabaseBytes = 256 << 10 })
        { harness in
            let producer = TaskProducer<Work>(client: harness.client, queue: Self.queue)
            var confirmed: Set<String> = []
            var refusal: RPCError?
            for index in 0..<400 {
                do {
                    confirmed.insert(
                        try await producer.enqueue(Work(key: "k\(index)", payload: Array(repeating: 7, count: 4_000)))
                            .rawValue
                    )
                } catch let error as RPCError {
                    refusal = error
                    break
                }
            }
            #expect(refusal?.code == .resourceExhausted, "\(String(describing: refusal))")
            #expect(refusal?.message.contains("nothing was queued") == true)
            #expect(confirmed.count > 10)
            return confirmed
        }
        try await BrokerHarness.with(databasePath: path) { harness in
            let seen = Mutex<Set<String>>([])
            let handler = TaskHandler(queue: Self.queue, as: Work.self) { _, context in
                seen.withLock { _ = $0.insert(context.taskID.rawValue) }
            }
            try await harness.withWorker([handler]) { _ in
                #expect(await eventually { seen.withLock { $0.count } == confirmed.count })
            }
            #expect(seen.withLock { $0 } == confirmed)
        }
    }

    @Test("a store that cannot write (a read-only file) gives the producer UNAVAILABLE, not a confirmation")
    func readOnlyStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = ReadOnlyStore(base: try await SQLiteTaskStore(path: folder.appendingPathComponent("b.sqlite").path))
        var configuration = QueueBroker.Configuration(databasePath: "read-only")
        configuration.logger.logLevel = .critical
        let broker = try await QueueBroker(configuration: configuration, store: store)
        let server = InProcessServer(services: broker.services)
        try await Client.withClient(calling: server) { client in
            let error = await #expect(throws: RPCError.self) {
                try await TaskProducer<Work>(client: client, queue: Self.queue).enqueue(Work(key: "k"))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("readonly") == true, "\(String(describing: error))")
        }
        #expect(broker.statistics[Self.queue] == nil)
    }
}

/// A store whose writes fail as SQLite's do on a read-only file.
private struct ReadOnlyStore: TaskStore {
    let base: SQLiteTaskStore
    private var readOnly: DatabaseError {
        DatabaseError(resultCode: .SQLITE_READONLY, message: "attempt to write a readonly database")
    }

    func enqueue(_ tasks: [QueuedTask]) async throws -> [StoredEnqueue] { throw readOnly }
    func scheduleRecords() async throws -> [String: ScheduleRecord] { try await base.scheduleRecords() }
    func fire(schedule name: String, record: ScheduleRecord, tasks: [QueuedTask]) async throws -> [StoredEnqueue] {
        throw readOnly
    }
    func record(_ settlements: [Settlement], finished: @escaping @Sendable ((any Error)?) -> Void) {
        finished(readOnly)
    }
    func flush() async {}
    func close() async { await base.close() }
    func pendingTasks() async throws -> [QueuedTask] { try await base.pendingTasks() }
    func settledCounts() async throws -> [String: SettledCounts] { try await base.settledCounts() }
    func deadLetters(matching filter: DeadLetterFilter, after cursor: String?, limit: Int) async throws -> [DeadLetter]
    {
        try await base.deadLetters(matching: filter, after: cursor, limit: limit)
    }
    func replay(matching filter: DeadLetterFilter, limit: Int, now: UnixMillis) async throws -> [QueuedTask] {
        throw readOnly
    }
    func purge(matching filter: DeadLetterFilter) async throws -> Int { throw readOnly }
    func forgetAcked(before cutoff: UnixMillis) async throws -> Int { throw readOnly }
}
