/// The Swift declarations of one method, by its kind: what the server protocol requires, what the
/// client protocol requires and the client stub implements, and how the handler is registered.
struct MethodStubs {
    /// The method's Swift member name (`say`).
    let name: String
    /// The method's namespace under `Method` (`Say`).
    let typeName: String
    /// The request and response Swift types.
    let input: String
    let output: String
    let clientStreams: Bool
    let serverStreams: Bool
    let access: String

    /// `rpc Say(stream echo.EchoRequest) returns (echo.EchoReply)`, for doc comments.
    func protoSignature(method: String, input: String, output: String) -> String {
        "rpc \(method)(\(clientStreams ? "stream " : "")\(input)) returns (\(serverStreams ? "stream " : "")\(output))"
    }

    /// The argument of `MethodDescriptor(kind:)`, nil for unary.
    var kind: String? {
        switch (clientStreams, serverStreams) {
        case (false, false): nil
        case (true, false): ".clientStreaming"
        case (false, true): ".serverStreaming"
        case (true, true): ".bidirectionalStreaming"
        }
    }

    /// The server protocol's requirement.
    var serverRequirement: String {
        switch (clientStreams, serverStreams) {
        case (false, false):
            "func \(name)(_ request: \(input), context: ServerContext) async throws -> \(output)"
        case (false, true):
            "func \(name)(_ request: \(input), writer: MessageWriter<\(output)>, context: ServerContext) async throws"
        case (true, false):
            "func \(name)(_ requests: MessageStream<\(input)>, context: ServerContext) async throws -> \(output)"
        case (true, true):
            "func \(name)(_ requests: MessageStream<\(input)>, writer: MessageWriter<\(output)>, context: ServerContext) async throws"
        }
    }

    /// The client's parameters and result, after `func name`, with `options` (and, with
    /// `defaultOptions`, without it).
    func clientSignature(defaultOptions: Bool = false) -> String {
        let options = defaultOptions ? "" : "options: CallOptions"
        let separator = defaultOptions ? "" : ", "
        return switch (clientStreams, serverStreams) {
        case (false, false):
            "(_ request: \(input)\(separator)\(options)) async throws -> \(output)"
        case (false, true):
            "<Result>(_ request: \(input)\(separator)\(options), _ body: (MessageStream<\(output)>) async throws -> Result) async throws -> Result"
        case (true, false):
            "(\(options)\(defaultOptions ? "" : ", ")_ body: (MessageWriter<\(input)>) async throws -> Void) async throws -> \(output)"
        case (true, true):
            "<Result>(\(options)\(defaultOptions ? "" : ", ")_ body: (MessageWriter<\(input)>, MessageStream<\(output)>) async throws -> Result) async throws -> Result"
        }
    }

    /// The client stub's body: the call through `ZRPC.Client`.
    var clientCall: String {
        let descriptor = "Method.\(typeName).descriptor"
        return switch (clientStreams, serverStreams) {
        case (false, false):
            "try await client.unary(\(descriptor), request: request, options: options)"
        case (false, true):
            "try await client.serverStreaming(\(descriptor), request: request, options: options, body)"
        case (true, false):
            "try await client.clientStreaming(\(descriptor), options: options, body)"
        case (true, true):
            "try await client.bidirectionalStreaming(\(descriptor), options: options, body)"
        }
    }

    /// The default-options overload's body.
    var defaultOptionsCall: String {
        switch (clientStreams, serverStreams) {
        case (false, false): "try await \(name)(request, options: .defaults)"
        case (false, true): "try await \(name)(request, options: .defaults, body)"
        case (true, _): "try await \(name)(options: .defaults, body)"
        }
    }

    /// The closure after a unary `MethodHandler(…)`.
    var unaryHandlerClosure: String {
        ") { request, context in try await self.\(name)(request, context: context) },"
    }

    /// The last argument of a streaming `MethodHandler(…)`: its label and closure; nil for unary.
    var streamingHandlerArgument: String? {
        switch (clientStreams, serverStreams) {
        case (false, false):
            nil
        case (false, true):
            "serverStreaming: { request, writer, context in try await self.\(name)(request, writer: writer, context: context) }"
        case (true, false):
            "clientStreaming: { requests, context in try await self.\(name)(requests, context: context) }"
        case (true, true):
            "bidirectionalStreaming: { requests, writer, context in try await self.\(name)(requests, writer: writer, context: context) }"
        }
    }
}
