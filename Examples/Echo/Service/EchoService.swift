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

/// The streaming half of the example (`echo.EchoStream`): streams numbered replies.
///
/// ```swift
/// let stream = Echo_EchoStream.Client(wrapping: client)
/// let count = try await stream.echoes(.init(text: "hi", sequence: 3)) { try await $0.reduce(0) { n, _ in n + 1 } }
/// ```
public struct EchoStreamService: Echo_EchoStream.ServiceProtocol {
    /// What replies report in `served_by`.
    public let name: String

    /// Creates the service.
    ///
    /// - Parameter name: What replies report in `served_by`.
    public init(name: String) {
        self.name = name
    }

    /// Streams `sequence` replies (at most 1,000,000), numbered from 1; an empty text is INVALID_ARGUMENT.
    public func echoes(
        _ request: Echo_EchoRequest,
        writer: MessageWriter<Echo_EchoReply>,
        context: ServerContext
    ) async throws {
        guard !request.text.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "text must not be empty")
        }
        guard (0...1_000_000).contains(request.sequence) else {
            throw RPCError(code: .invalidArgument, message: "sequence must be between 0 and 1,000,000")
        }
        for sequence in 0..<request.sequence {
            try await writer.write(Echo_EchoReply(text: request.text, sequence: sequence + 1, servedBy: name))
        }
    }
}
