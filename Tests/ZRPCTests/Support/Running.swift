@testable import ZRPC

/// A server running in a task of the test: ``stop()`` shuts it down gracefully and waits for
/// ``Server/run()`` to return.
struct RunningServer {
    let server: Server
    let task: Task<Void, any Error>

    var endpoints: [String] { server.boundEndpoints }

    /// Runs `server` and waits until it listens.
    ///
    /// - Throws: What ``Server/run()`` threw when it could not start.
    static func start(_ server: Server) async throws -> RunningServer {
        let task = Task { try await server.run() }
        _ = try await server.listeningEndpoints
        return RunningServer(server: server, task: task)
    }

    static func start(configuration: Server.Configuration, services: [any RPCService]) async throws -> RunningServer {
        try await start(Server(configuration: configuration, services: services))
    }

    /// Graceful shutdown; returns when ``Server/run()`` has.
    func stop() async {
        server.beginGracefulShutdown()
        _ = try? await task.value
    }
}

/// A client running in a task of the test.
struct RunningClient {
    let client: Client
    let task: Task<Void, any Error>

    static func start(configuration: Client.Configuration) throws -> RunningClient {
        let client = try Client(configuration: configuration)
        return RunningClient(client: client, task: Task { try await client.run() })
    }

    /// Runs a client and waits until its I/O loop runs (so calls started together share a turn).
    static func started(configuration: Client.Configuration) async throws -> RunningClient {
        let running = try start(configuration: configuration)
        try await running.client.waitUntilRunning()
        return running
    }

    /// Graceful shutdown (calls in flight finish first); returns when ``Client/run()`` has.
    func stop() async {
        client.beginGracefulShutdown()
        _ = try? await task.value
    }

    /// Cancels ``Client/run()``: the client closes at once, failing calls in flight.
    func cancel() async {
        task.cancel()
        _ = try? await task.value
    }
}
