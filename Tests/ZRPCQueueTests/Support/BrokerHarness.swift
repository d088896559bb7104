import Foundation
import Logging
import ZRPC
import ZRPCQueue

/// A broker hosted in a server on an ephemeral loopback port, over a fresh database in a
/// temporary folder, with a client connected to it; everything stops when the body returns.
struct BrokerHarness {
    let broker: QueueBroker
    let client: Client
    let endpoint: String
    let databasePath: String

    /// Runs `body` with a broker, its server and a client; removes the database afterwards unless
    /// `databasePath` was given.
    static func with<Result: Sendable>(
        databasePath: String? = nil,
        configure: (inout QueueBroker.Configuration) -> Void = { _ in },
        _ body: (BrokerHarness) async throws -> Result
    ) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if databasePath == nil { try? FileManager.default.removeItem(at: folder) } }
        let path = databasePath ?? folder.appendingPathComponent("broker.sqlite").path
        var logger = Logger(label: "test.broker")
        logger.logLevel = .error
        var configuration = QueueBroker.Configuration(databasePath: path, logger: logger)
        configure(&configuration)
        let broker = try await QueueBroker(configuration: configuration)
        var serverConfiguration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        serverConfiguration.logger = logger
        return try await Server.withServer(configuration: serverConfiguration, services: broker.services) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await broker.run() }
                defer { group.cancelAll() }
                let endpoint = server.boundEndpoints[0]
                var clientConfiguration = Client.Configuration(endpoints: [endpoint])
                clientConfiguration.logger = logger
                return try await Client.withClient(configuration: clientConfiguration) { client in
                    try await body(
                        BrokerHarness(broker: broker, client: client, endpoint: endpoint, databasePath: path)
                    )
                }
            }
        }
    }

    /// Runs a worker with `handlers` around `body`.
    func withWorker<Result: Sendable>(
        _ handlers: [TaskHandler],
        configure: (inout QueueWorker.Configuration) -> Void = { _ in },
        _ body: (QueueWorker) async throws -> Result
    ) async throws -> Result {
        var configuration = QueueWorker.Configuration(name: "test-worker")
        configuration.logger.logLevel = .error
        configure(&configuration)
        let worker = QueueWorker(client: client, handlers: handlers, configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            defer { group.cancelAll() }
            return try await body(worker)
        }
    }
}

/// Waits until `condition` holds, polling every 10 ms, for `timeout` at most.
func eventually(within timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

extension QueueStatistics {
    /// `enqueued = acked + deadLettered + ready + leased`.
    var balances: Bool { enqueued == acked + deadLettered + ready + leased }
}
