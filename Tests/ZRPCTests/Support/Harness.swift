import ConformanceMessages
import ConformanceServices
import Foundation
import Logging
import Testing
import ZRPC
import ZeroMQ

/// The transports every networking test runs over.
enum Transport: String, CaseIterable, CustomStringConvertible, Sendable {
    case inproc, ipc, tcp

    var description: String { rawValue }

    /// A fresh endpoint to bind (tcp picks a free port on 127.0.0.1).
    func endpoint() -> String {
        let unique = UUID().uuidString.prefix(13)
        switch self {
        case .inproc: return "inproc://zrpc-test-\(unique)"
        case .ipc: return "ipc:///tmp/zrpc-test-\(unique).sock"
        case .tcp: return "tcp://127.0.0.1:*"
        }
    }
}

/// Where the server under test runs its handlers: the default, or on its I/O thread (where a
/// handler that never suspends is answered before the loop goes on).
enum HandlerPlacement: String, CaseIterable, CustomStringConvertible, Sendable {
    case concurrent, ioThread

    var description: String { rawValue }

    /// Sets the server configuration's `handlerExecution`.
    func configure(_ configuration: inout Server.Configuration) {
        configuration.handlerExecution = self == .ioThread ? .ioThread : .concurrent
    }
}

/// A server hosting ``TestService`` and a client connected to it, torn down by ``close()``.
struct Harness {
    let context: TransportContext
    let running: RunningServer
    let runningClient: RunningClient
    let events: EventRecorder
    let gates: Gates
    let stub: TestRPC.Client

    var server: Server { running.server }
    var client: Client { runningClient.client }
    var endpoint: String { server.boundEndpoints[0] }

    static func start(
        transport: Transport = .tcp,
        configureServer: (inout Server.Configuration) -> Void = { _ in },
        configureClient: (inout Client.Configuration) -> Void = { _ in },
        services: (EventRecorder, Gates) -> [any RPCService] = { [TestService(events: $0, gates: $1)] }
    ) async throws -> Harness {
        let context = try TransportContext()
        let events = EventRecorder()
        let gates = Gates()
        var serverConfiguration = Server.Configuration(endpoints: [transport.endpoint()], logger: quietLogger)
        serverConfiguration.transportContext = context
        configureServer(&serverConfiguration)
        let running = try await RunningServer.start(
            configuration: serverConfiguration,
            services: services(events, gates)
        )
        var clientConfiguration = Client.Configuration(endpoints: running.endpoints, defaultTimeout: .seconds(10))
        clientConfiguration.transportContext = context
        configureClient(&clientConfiguration)
        let client = try await RunningClient.started(configuration: clientConfiguration)
        return Harness(
            context: context,
            running: running,
            runningClient: client,
            events: events,
            gates: gates,
            stub: TestRPC.Client(wrapping: client.client)
        )
    }

    /// Shuts the server down gracefully and waits for it.
    func stopServer() async {
        await running.stop()
    }

    func close() async {
        await runningClient.cancel()
        await running.stop()
        for endpoint in server.boundEndpoints where endpoint.hasPrefix("ipc://") {
            try? FileManager.default.removeItem(atPath: String(endpoint.dropFirst("ipc://".count)))
        }
    }
}

/// Runs `body` with a harness and always tears it down.
func withHarness(
    transport: Transport = .tcp,
    configureServer: (inout Server.Configuration) -> Void = { _ in },
    configureClient: (inout Client.Configuration) -> Void = { _ in },
    services: (EventRecorder, Gates) -> [any RPCService] = { [TestService(events: $0, gates: $1)] },
    _ body: (Harness) async throws -> Void
) async throws {
    let harness = try await Harness.start(
        transport: transport,
        configureServer: configureServer,
        configureClient: configureClient,
        services: services
    )
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}

let quietLogger: Logger = {
    var logger = Logger(label: "zrpc.test")
    logger.logLevel = .critical
    return logger
}()

/// The RPCError a call threw (fails the test if it threw something else or nothing).
func rpcError(_ body: () async throws -> some Any) async throws -> RPCError {
    do {
        _ = try await body()
    } catch let error as RPCError {
        return error
    }
    Issue.record("expected an RPCError")
    return RPCError(code: .unknown, message: "no error")
}
