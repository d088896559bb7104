import EchoMessages
import ZRPC

/// The benchmark's echo service: replies with the request's text and sequence, nothing else,
/// so the reply is as large as the request.
struct BenchmarkEchoService: Echo_Echo.ServiceProtocol {
    func say(_ request: Echo_EchoRequest, context: ServerContext) async throws -> Echo_EchoReply {
        Echo_EchoReply(text: request.text, sequence: request.sequence)
    }
}

/// The benchmark's streaming service: streams as many replies as asked, each as large as the request.
struct BenchmarkEchoStreamService: Echo_EchoStream.ServiceProtocol {
    /// Streams `sequence` replies carrying the request's text: the streaming row's traffic.
    func echoes(
        _ request: Echo_EchoRequest,
        writer: MessageWriter<Echo_EchoReply>,
        context: ServerContext
    ) async throws {
        var reply = Echo_EchoReply(text: request.text)
        for sequence in 0..<request.sequence {
            reply.sequence = sequence + 1
            try await writer.write(reply)
        }
    }
}
