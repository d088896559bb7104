public import ProtobufC

/// Decodes a request, runs a typed handler and encodes its response. Generated services build
/// one per method; the initialiser matches the method's kind (unary, or which sides stream).
public struct MethodHandler: Sendable {
    /// The method served.
    public let method: MethodDescriptor
    /// Which sides stream, as this handler serves them (a call must be opened to match).
    public let kind: MethodKind
    @usableFromInline let handle:
        nonisolated(nonsending) @Sendable (SerializedMessage, ServerContext, DecodingLimits, StreamIO?) async throws ->
            SerializedMessage

    /// Wraps a typed unary handler.
    ///
    /// - Parameters:
    ///   - method: The method served.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - handler: The implementation.
    @inlinable
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        self.method = method
        self.kind = .unary
        self.handle = { payload, context, limits, _ in
            let request = try Self.decodeRequest(payload, as: Request.self, limits: limits)
            let response = try await handler(request, context)
            return try Self.encodeResponse(response)
        }
    }

    /// Wraps a handler that receives one request and writes a stream of responses.
    ///
    /// - Parameters:
    ///   - method: The method served.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - handler: The implementation; the stream ends (with the status) when it returns.
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        serverStreaming handler:
            @escaping @Sendable (Request, MessageWriter<Response>, ServerContext) async throws ->
            Void
    ) {
        self.method = method
        self.kind = .serverStreaming
        self.handle = { _, context, limits, io in
            let io = try Self.stream(io, method)
            guard let payload = try await io.inbox.next() else {
                throw RPCError(code: .invalidArgument, message: "\(method) expects one request message; none was sent")
            }
            let request = try Self.decodeRequest(payload, as: Request.self, limits: limits)
            try await handler(request, MessageWriter(io), context)
            return SerializedMessage()
        }
    }

    /// Wraps a handler that reads a stream of requests and returns one response.
    ///
    /// - Parameters:
    ///   - method: The method served.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - handler: The implementation.
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        clientStreaming handler: @escaping @Sendable (MessageStream<Request>, ServerContext) async throws -> Response
    ) {
        self.method = method
        self.kind = .clientStreaming
        self.handle = { _, context, limits, io in
            let io = try Self.stream(io, method)
            let requests = MessageStream<Request>(inbox: io.inbox, limits: limits, decodeFailure: .invalidArgument)
            let response = try await handler(requests, context)
            try await io.write(try Self.encodeResponse(response))
            return SerializedMessage()
        }
    }

    /// Wraps a handler that reads a stream of requests and writes a stream of responses.
    ///
    /// - Parameters:
    ///   - method: The method served.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - handler: The implementation; the stream ends (with the status) when it returns.
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        bidirectionalStreaming handler:
            @escaping @Sendable (
                MessageStream<Request>, MessageWriter<Response>, ServerContext
            ) async throws -> Void
    ) {
        self.method = method
        self.kind = .bidirectionalStreaming
        self.handle = { _, context, limits, io in
            let io = try Self.stream(io, method)
            let requests = MessageStream<Request>(inbox: io.inbox, limits: limits, decodeFailure: .invalidArgument)
            try await handler(requests, MessageWriter(io), context)
            return SerializedMessage()
        }
    }

    /// The call's stream; a streaming handler is only run for a call opened as a stream.
    private static func stream(_ io: StreamIO?, _ method: MethodDescriptor) throws -> StreamIO {
        guard let io else {
            throw RPCError(code: .invalidArgument, message: "\(method) streams: open the call as a stream")
        }
        return io
    }

    /// Decodes a request, mapping failures to the status the client sees.
    @inlinable
    static func decodeRequest<Request: ProtobufMessage>(
        _ payload: SerializedMessage,
        as type: Request.Type,
        limits: DecodingLimits
    ) throws -> Request {
        do {
            return try payload.decode(as: Request.self, limits: limits)
        } catch let error as ProtobufCError where error.code == .tooLarge || error.code == .allocationBudgetExceeded {
            throw RPCError(
                code: .resourceExhausted,
                message: "the request is too large: \(error.message)",
                cause: error
            )
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "the request did not decode as \(Request.protobufCDescriptor.fullName): \(reason(error))",
                cause: error
            )
        }
    }

    /// Whether `error` is ``decodeRequest(_:as:limits:)`` refusing a request over its decoding limits
    /// (size or memory): a limit, counted with the server's rejected calls.
    static func exceedsDecodingLimits(_ error: RPCError) -> Bool {
        guard error.code == .resourceExhausted, let cause = error.cause as? ProtobufCError else { return false }
        return cause.code == .tooLarge || cause.code == .allocationBudgetExceeded
    }

    /// What a client is told of a decoding failure: the decoder's own words for a ``ProtobufCError``
    /// (they name the failure and the limit, docs/PROTOCOL.md), nothing of other errors.
    @usableFromInline
    static func reason(_ error: any Error) -> String {
        (error as? ProtobufCError)?.message ?? "the bytes are not a valid encoding of this type"
    }

    /// Encodes a response; a failure is INTERNAL.
    @inlinable
    static func encodeResponse(_ response: some ProtobufMessage) throws -> SerializedMessage {
        do {
            return try SerializedMessage(response)
        } catch {
            throw RPCError(code: .internal, message: "the response could not be encoded", cause: error)
        }
    }
}
