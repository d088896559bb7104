/// A call as server interceptors see it: still encoded.
public struct ServerRequest: Sendable {
    /// The encoded request message.
    public var payload: SerializedMessage
    /// The call's context (method, metadata, deadline, trailers).
    public var context: ServerContext
    /// The handler of `context.method`, found when the call arrived (the method cannot change).
    let handler: MethodHandler
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
