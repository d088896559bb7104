import Foundation
import Logging
import ZRPC
import ZRPCQueue

/// A broker in this process, as `zrpc-broker` runs it (a `QueueBroker` in a `Server` on
/// tcp://127.0.0.1:*), over a database in `directory`, with a client of it; all stopped after `body`.
/// Retries come quickly and often (20 attempts, 5–20 ms apart), so flaky workers finish within a test.
func withBroker<Result: Sendable>(
    in directory: URL,
    logger: Logger = quietLogger("test.broker"),
    _ body: (QueueBroker, Client) async throws -> Result
) async throws -> Result {
    var configuration = QueueBroker.Configuration(
        databasePath: directory.appendingPathComponent("broker.sqlite").path,
        logger: logger
    )
    configuration.defaultPolicy.maxAttempts = 20
    configuration.defaultPolicy.backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(20), multiplier: 2)
    for queue in ["cluster.OrderTasks/CapturePayment", "cluster.OrderTasks/SendConfirmation"] {
        configuration.queuePolicies[queue] = .init(maxAttempts: 20, backoff: configuration.defaultPolicy.backoff)
    }
    let broker = try await QueueBroker(configuration: configuration)
    var server = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
    server.logger = logger
    server.maxTimeout = .seconds(3_600)
    return try await Server.withServer(configuration: server, services: broker.services) { server in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await broker.run() }
            defer { group.cancelAll() }
            // Calls wait long for the broker: a machine busy with other work must not fail a test with a deadline.
            var client = Client.Configuration(endpoints: server.boundEndpoints, defaultTimeout: .seconds(30))
            client.logger = logger
            return try await Client.withClient(configuration: client) { client in try await body(broker, client) }
        }
    }
}

/// Runs a `QueueWorker` with `handlers` on `client` around `body`.
func withQueueWorker<Result: Sendable>(
    client: Client,
    handlers: [TaskHandler],
    logger: Logger = quietLogger("test.worker"),
    _ body: () async throws -> Result
) async throws -> Result {
    let worker = QueueWorker(
        client: client,
        handlers: handlers,
        configuration: .init(name: "test-worker", logger: logger)
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await worker.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// A logger that only shows errors.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .error
    return logger
}

/// Waits until `condition` holds, polling every 10 ms, `timeout` at most.
func eventually(within timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

extension QueueBroker {
    /// Whether every task enqueued on `queue` is settled (acked or dead-lettered), and `count` were enqueued.
    func settled(_ queue: String, enqueued count: Int) -> Bool {
        guard let statistics = statistics[queue] else { return count == 0 }
        return statistics.enqueued == count && statistics.acked + statistics.deadLettered == count
    }
}
