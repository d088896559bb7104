import EchoMessages
import ZRPC

/// The benchmark's echo service: replies with the request's text and sequence, nothing else,
/// so the reply is as large as the request.
struct BenchmarkEchoService: Echo_Echo.ServiceProtocol {
    func say(_ request: Echo_EchoRequest, context: ServerContext) async throws -> Echo_EchoReply {
        Echo_EchoReply(text: request.text, sequence: request.sequence)
    }
}
