import Testing
import ZRPC
import ZRPCTestKit

/// Where a streaming test's server runs: in this process over a transport, or as an
/// ``InProcessServer`` with no sockets.
enum StreamPlace: String, CaseIterable, CustomStringConvertible, Sendable {
    case inProcess, inproc, ipc, tcp

    var description: String { rawValue }
}

/// Runs `body` with a client of a ``StreamService`` served at `place`; always tears both down.
func withStreams(
    _ place: StreamPlace,
    configureServer: @escaping (inout Server.Configuration) -> Void = { _ in },
    configureClient: @escaping (inout Client.Configuration) -> Void = { _ in },
    _ body: (Zrpc_Testkit_Streams.Client, StreamService) async throws -> Void
) async throws {
    let service = StreamService()
    let transport: Transport
    switch place {
    case .inProcess:
        var serverConfiguration = Server.Configuration(endpoints: [], logger: quietLogger)
        configureServer(&serverConfiguration)
        var clientConfiguration = Client.Configuration(endpoints: [], defaultTimeout: .seconds(20))
        configureClient(&clientConfiguration)
        let server = InProcessServer(configuration: serverConfiguration, services: [service])
        try await Client.withClient(calling: server, configuration: clientConfiguration) { client in
            try await body(Zrpc_Testkit_Streams.Client(wrapping: client), service)
        }
        return
    case .inproc: transport = .inproc
    case .ipc: transport = .ipc
    case .tcp: transport = .tcp
    }
    try await withHarness(
        transport: transport,
        configureServer: configureServer,
        configureClient: {
            $0.defaultTimeout = .seconds(20)
            configureClient(&$0)
        },
        services: { _, _ in [service] }
    ) { harness in
        try await body(Zrpc_Testkit_Streams.Client(wrapping: harness.client), service)
    }
}
