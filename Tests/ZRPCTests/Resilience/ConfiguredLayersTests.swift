import ConformanceMessages
import Logging
import Testing
import ZRPC

/// What the layers a client builds from its configuration take from that configuration.
@Suite("Layers built from a configuration")
struct ConfiguredLayersTests {
    @Test("a circuit breaker built from configuration logs to Client.Configuration.logger")
    func breakerLogsToConfiguredLogger() async throws {
        let store = RecordingLogHandler.Store()
        // Nothing listens on the discard port: each call fails with DEADLINE_EXCEEDED after 50 ms.
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:9"], defaultTimeout: .milliseconds(50))
        configuration.name = "zrpc-breaker-log-\(UInt32.random(in: 0...99_999))"
        configuration.logger = .recording(into: store)
        configuration.resilience.circuitBreaker = .init(minimumCalls: 1, window: .count(1))
        try await Client.withClient(configuration: configuration) { client in
            let error = try await rpcError {
                try await client.unary(
                    MethodDescriptor(service: "test.Nowhere", method: "Call"),
                    request: CallRequest(text: "x"),
                    responseType: CallReply.self
                )
            }
            #expect(error.code == .deadlineExceeded)
            #expect(client.resilience.circuitBreaker.map { if case .open = $0.state { true } else { false } } == true)
        }
        #expect(store.all.contains("circuit breaker state changed"), "\(store.all)")
    }
}
