/// A call as server interceptors see it: still encoded.
///
/// A streaming call passes the chain once, around its whole handler: its ``payload`` is empty
/// (the messages flow through the handler's stream), `next` returns when the handler has
/// finished, and what it returns is empty too. Interceptors that check metadata, log, count or
/// time calls work the same for both.
public struct ServerRequest: Sendable {
    /// The encoded request message (empty for a streaming call).
    public var payload: SerializedMessage
    /// The call's context (method, metadata, deadline, trailers).
    public var context: ServerContext
    /// The handler of `context.method`, found when the call arrived (the method cannot change).
    let handler: MethodHandler
    /// The call's stream, when it was opened as one.
    let stream: StreamIO?

    init(payload: SerializedMessage, context: ServerContext, handler: MethodHandler, stream: StreamIO? = nil) {
        self.payload = payload
        self.context = context
        self.handler = handler
        self.stream = stream
    }

    /// Whether the call streams (its messages flow through the handler's stream, not ``payload``).
    public var isStreaming: Bool { stream != nil }
}

/// Wraps every call a ``Server`` serves, around the handler: authentication, logging, limits.
///
/// Interceptors run in the order of ``Server/Configuration/interceptors``, the first outermost.
/// Throw ``RPCError`` to answer with a status instead of calling `next`.
///
/// ```swift
/// struct RequireTenant: ServerInterceptor {
///     func intercept(_ request: ServerRequest, next: @Sendable (ServerRequest) async throws -> SerializedMessage) async throws -> SerializedMessage {
///         guard request.context.metadata["tenant"] != nil else {
///             throw RPCError(code: .unauthenticated, message: "no tenant")
///         }
///         return try await next(request)
///     }
/// }
/// ```
public protocol ServerInterceptor: Sendable {
    /// Intercepts one call.
    ///
    /// - Parameters:
    ///   - request: The call, encoded.
    ///   - next: The rest of the chain (finally the handler); returns the encoded response.
    func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage
}
