/// A call on its way out, with its request already encoded: what client interceptors see, and the
/// call's context (method, peer, deadline, attempt, metadata, idempotency key).
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
    /// Where the call goes: the client's endpoints (`tcp://a:5555,tcp://b:5555`; the transport
    /// picks one per message, after the interceptors), or `in-process`.
    public var peer: String
    /// For a streaming call: where the transport hands over the opened stream.
    var stream: StreamHook?

    /// Whether the call streams. A streaming call passes the interceptors once, around its whole
    /// life: its ``payload`` is empty (messages flow through the stream), `next` returns when the
    /// stream has ended, with the trailers and an empty payload. It cannot be sent twice: layers
    /// that repeat or replace calls (retry, hedging, cache, fallback) pass it through.
    public var isStreaming: Bool { stream != nil }

    /// Creates a request (clients do this; an interceptor's unit test may too).
    ///
    /// - Parameters:
    ///   - method: The method being called.
    ///   - payload: The encoded request message.
    ///   - metadata: Request metadata.
    ///   - deadline: When the whole call must be done.
    ///   - attempt: 1 for the first attempt.
    ///   - idempotencyKey: The same for every attempt of the call.
    ///   - peer: Where the call goes.
    public init(
        method: MethodDescriptor,
        payload: SerializedMessage,
        metadata: Metadata = [:],
        deadline: ContinuousClock.Instant,
        attempt: UInt32 = 1,
        idempotencyKey: String = "",
        peer: String = ""
    ) {
        self.method = method
        self.payload = payload
        self.metadata = metadata
        self.deadline = deadline
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.peer = peer
    }
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
