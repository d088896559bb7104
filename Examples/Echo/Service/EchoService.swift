import EchoMessages
import ZRPC

/// The echo service's logic: answers with the request's text and says which process served it.
///
/// A library of its own, so that `echo-server` serves it and tests call it in process:
///
/// ```swift
/// try await Client.withClient(calling: InProcessServer(services: [EchoService(name: "test")])) { client in
///     let reply = try await Echo_Echo.Client(wrapping: client).say(.init(text: "hi"))
/// }
/// ```
public struct EchoService: Echo_Echo.ServiceProtocol {
    /// What replies report in `served_by`.
    public let name: String

    /// Creates the service.
    ///
    /// - Parameter name: What replies report in `served_by`.
    public init(name: String) {
        self.name = name
    }

    /// Echoes the text and sequence number; an empty text is INVALID_ARGUMENT.
    public func say(_ request: Echo_EchoRequest, context: ServerContext) async throws -> Echo_EchoReply {
        guard !request.text.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "text must not be empty")
        }
        return Echo_EchoReply(text: request.text, sequence: request.sequence, servedBy: name)
    }
}
