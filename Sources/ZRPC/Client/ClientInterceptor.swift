/// A call on its way out, with its request already encoded: what client interceptors see.
///
/// Interceptors work on encoded payloads, so one interceptor (retry, circuit breaker, bulkhead,
/// deadline, logging) serves every method of every service.
public struct ClientRequest: Sendable {
    /// The method being called.
    public var method: MethodDescriptor
    /// The encoded request message.
    public var payload: SerializedMessage
    /// Request metadata.
    public var metadata: Metadata
    /// When the whole call (every attempt) must be done.
    public var deadline: ContinuousClock.Instant
    /// 1 for the first attempt; a retry interceptor increments it.
    public var attempt: UInt32
    /// The same for every attempt of this call.
    public var idempotencyKey: String
}

/// A successful call's result, still encoded.
public struct ClientResponse: Sendable {
    /// The encoded response message.
    public var payload: SerializedMessage
    /// Response metadata (trailers).
    public var metadata: Metadata
}

/// Wraps every call a ``Client`` makes: inspect or change the request, call `next` (zero, one
/// or several times), inspect or change the response or error.
///
/// Interceptors run in the order of ``Client/Configuration/interceptors``: the first is the
/// outermost. Failures are thrown as ``RPCError``.
///
/// ```swift
/// struct TenantInterceptor: ClientInterceptor {
///     func intercept(
///         _ request: ClientRequest,
///         next: @Sendable (ClientRequest) async throws -> ClientResponse
///     ) async throws -> ClientResponse {
///         var request = request
///         request.metadata["tenant"] = "acme"
///         return try await next(request)
///     }
/// }
/// ```
public protocol ClientInterceptor: Sendable {
    /// Intercepts one call.
    ///
    /// - Parameters:
    ///   - request: The call, encoded.
    ///   - next: The rest of the chain (the next interceptor, finally the transport).
    func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse
}
