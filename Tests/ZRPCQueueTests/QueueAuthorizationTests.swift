import Foundation
import Logging
import Testing
import ZRPC
@testable import ZRPCQueue
import ZRPCTestKit

private typealias Work = Zrpc_Testkit_FaultRequest

/// Per-queue authorization at a CURVE broker: who may enqueue to and consume which queues
/// (docs/SECURITY.md, "Authorization (queues)").
@Suite("Queue authorization", .timeLimit(.minutes(1)))
struct QueueAuthorizationTests {
    private static let queueA = "test.A/Run"
    private static let queueB = "test.B/Run"
    /// A 40-character key that starts with `#` (Z85 has `#` in its alphabet).
    private static let hashKey = "#bcdefghij0123456789ABCDEFGHIJ0123456789"

    private let server: CurveKeys
    private let producerKeys: CurveKeys
    private let workerKeys: CurveKeys

    init() throws {
        server = try CurveKeys.generate()
        producerKeys = try CurveKeys.generate()
        workerKeys = try CurveKeys.generate()
    }

    /// A CURVE broker allowing both keys to connect, with `authorization`; `body` gets the broker
    /// and a client factory for a key.
    private func withBroker(
        _ authorization: QueueAuthorization,
        _ body: (QueueBroker, (CurveKeys, (Client) async throws -> Void) async throws -> Void) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-qauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "test.broker")
        logger.logLevel = .error
        var configuration = QueueBroker.Configuration(
            databasePath: folder.appendingPathComponent("broker.sqlite").path,
            logger: logger
        )
        configuration.authorization = authorization
        let broker = try await QueueBroker(configuration: configuration)
        var serverConfiguration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        serverConfiguration.logger = logger
        serverConfiguration.security = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [producerKeys.publicKey, workerKeys.publicKey])
        )
        let serverKey = server.publicKey
        try await Server.withServer(configuration: serverConfiguration, services: broker.services) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await broker.run() }
                defer { group.cancelAll() }
                let endpoint = server.boundEndpoints[0]
                try await body(broker) { keys, use in
                    var clientConfiguration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(5))
                    clientConfiguration.logger = logger
                    clientConfiguration.security = try .curveClient(keys: keys, serverPublicKey: serverKey)
                    try await Client.withClient(configuration: clientConfiguration) { client in try await use(client) }
                }
            }
        }
    }

    @Test("a key allowed to enqueue on A but not B: B is refused with PERMISSION_DENIED and stays empty")
    func enqueueRefused() async throws {
        let rules = QueueAuthorization(enqueue: [Self.queueA: [producerKeys.publicKey], "test.*": []])
        try await withBroker(rules) { broker, connect in
            try await connect(producerKeys) { client in
                let toA = TaskProducer<Work>(client: client, queue: Self.queueA)
                _ = try await toA.enqueue(Work(key: "a"))
                let toB = TaskProducer<Work>(client: client, queue: Self.queueB)
                do {
                    _ = try await toB.enqueue(Work(key: "b"))
                    Issue.record("an enqueue to B was accepted")
                } catch let error as RPCError {
                    #expect(error.code == .permissionDenied)
                }
            }
            #expect(broker.statistics[Self.queueA]?.enqueued == 1)
            #expect(broker.statistics[Self.queueB]?.enqueued ?? 0 == 0)
            #expect(broker.denials.enqueues == 1)
        }
    }

    @Test("a worker key not allowed to consume B has its Work stream refused with PERMISSION_DENIED")
    func consumeRefused() async throws {
        let rules = QueueAuthorization(consume: [Self.queueA: [workerKeys.publicKey], Self.queueB: []])
        try await withBroker(rules) { broker, connect in
            try await connect(workerKeys) { client in
                let broker = Zrpc_Queue_Broker.Client(wrapping: client)
                let attach = Zrpc_Queue_Attach(queues: [Self.queueB], worker: "w", credit: 1, heartbeatMillis: 1_000)
                do {
                    try await broker.work(options: .init(timeout: .seconds(5))) { writer, messages in
                        try await writer.write(.init(kind: .attach(attach)))
                        for try await _ in messages {}
                    }
                    Issue.record("a worker attached to B")
                } catch let error as RPCError {
                    #expect(error.code == .permissionDenied)
                }
            }
            #expect(broker.denials.workers == 1)
            #expect(broker.denials.enqueues == 0)
        }
    }

    @Test("rules match exact names first, then the longest prefix*, and read from a file")
    func rules() throws {
        let path = NSTemporaryDirectory() + "zrpc-queue-rules-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = [
            "# queue rules",
            "test.*      enqueue \(producerKeys.publicKey)   # producers",
            "test.B/Run  consume \(workerKeys.publicKey)",
            "*           consume",
            "test.C/Run  enqueue \(Self.hashKey) #comment",
        ]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let rules = try QueueAuthorization(contentsOf: path)
        #expect(rules.mayEnqueue(publicKey: producerKeys.publicKey, queue: Self.queueB))
        #expect(!rules.mayEnqueue(publicKey: workerKeys.publicKey, queue: Self.queueB))
        #expect(rules.mayEnqueue(publicKey: workerKeys.publicKey, queue: "other.Q/Run"))
        #expect(rules.mayConsume(publicKey: workerKeys.publicKey, queue: Self.queueB))
        #expect(!rules.mayConsume(publicKey: workerKeys.publicKey, queue: Self.queueA))
        #expect(!rules.mayConsume(publicKey: nil, queue: Self.queueB))
        #expect(rules.enqueue["test.C/Run"] == [Self.hashKey])
        try "test.* publish \(producerKeys.publicKey)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: QueueAuthorization.FileError.self) { try QueueAuthorization(contentsOf: path) }
    }
}
