import Synchronization
internal import ZeroMQ

/// What a handler knows about the call it serves, and how it sets response trailers.
///
/// ```swift
/// func say(_ request: EchoRequest, context: ServerContext) async throws -> EchoReply {
///     if context.metadata["tenant"] == nil { throw RPCError(code: .unauthenticated, message: "no tenant") }
///     context.setTrailer("served-by", "eu-1")
///     …
/// }
/// ```
public struct ServerContext: Sendable {
    /// Everything about the call, shared by copies of the context: passing a context along (to
    /// interceptors, to the handler) retains one object.
    private let call: CallInfo

    /// The method being served.
    public var method: MethodDescriptor { call.method }
    /// The request metadata.
    public var metadata: Metadata { call.metadata }
    /// When the server gives up on the call (the client's remaining time, clamped by the
    /// server's limits). Calls the handler makes inherit it.
    public var deadline: ContinuousClock.Instant { call.deadline }
    /// 1 for a first attempt, higher for retries.
    public var attempt: UInt32 { call.attempt }
    /// The client's idempotency key ("" when none).
    public var idempotencyKey: String { call.idempotencyKey }
    /// The client's identity on the server's socket (its ZeroMQ routing id, hex).
    public var peer: String {
        switch call.identity {
        case .routingID(let frame): frame.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .name(let name): name
        }
    }

    /// The client's CURVE public key (Z85), as the server's allow-list admitted it; nil under
    /// plain text. The identity to authorize by: it cannot be forged without the client's secret key.
    ///
    /// ```swift
    /// guard context.peerPublicKey == auditorKey else { throw RPCError(code: .permissionDenied, message: "auditors only") }
    /// ```
    public var peerPublicKey: String? { call.peerPublicKey }

    /// Time left before the deadline.
    public var remainingTime: Duration {
        ContinuousClock.now.duration(to: deadline)
    }

    /// Adds a response trailer.
    ///
    /// - Parameters:
    ///   - key: The key (lower-cased).
    ///   - value: The value.
    public func setTrailer(_ key: String, _ value: String) {
        call.trailers.withLock { $0.append(key, value) }
    }

    /// Creates a context: servers do this for every call, and a handler's unit test makes one to
    /// call the handler directly.
    ///
    /// ```swift
    /// let context = ServerContext(method: Echo_Echo.Method.Say.descriptor, metadata: ["tenant": "acme"])
    /// let reply = try await EchoService(name: "test").say(.init(text: "hi"), context: context)
    /// #expect(context.responseTrailers["served-by"] == nil)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The method being served.
    ///   - metadata: The request metadata.
    ///   - deadline: When the call ends.
    ///   - attempt: The attempt number.
    ///   - idempotencyKey: The client's key.
    ///   - peer: The client's identity.
    ///   - peerPublicKey: The client's CURVE public key, nil for plain text.
    public init(
        method: MethodDescriptor,
        metadata: Metadata = [:],
        deadline: ContinuousClock.Instant = .now.advanced(by: .seconds(5)),
        attempt: UInt32 = 1,
        idempotencyKey: String = "",
        peer: String = "",
        peerPublicKey: String? = nil
    ) {
        call = CallInfo(
            method: method,
            metadata: metadata,
            deadline: deadline,
            attempt: attempt,
            idempotencyKey: idempotencyKey,
            identity: .name(peer),
            peerPublicKey: peerPublicKey
        )
    }

    init(
        method: MethodDescriptor,
        metadata: Metadata,
        deadline: ContinuousClock.Instant,
        attempt: UInt32,
        idempotencyKey: String,
        routingID: Frame,
        peerPublicKey: String?
    ) {
        call = CallInfo(
            method: method,
            metadata: metadata,
            deadline: deadline,
            attempt: attempt,
            idempotencyKey: idempotencyKey,
            identity: .routingID(routingID),
            peerPublicKey: peerPublicKey
        )
    }

    /// The trailers set so far.
    public var responseTrailers: Metadata { call.trailers.withLock { $0 } }
}

/// What a ``ServerContext`` knows, in one object; the trailers are the only part that changes
/// (a handler sets them while it runs), behind a lock.
private final class CallInfo: Sendable {
    enum Identity: Sendable {
        case routingID(Frame)
        case name(String)
    }

    let method: MethodDescriptor
    let metadata: Metadata
    let deadline: ContinuousClock.Instant
    let attempt: UInt32
    let idempotencyKey: String
    let identity: Identity
    let peerPublicKey: String?
    let trailers = Mutex(Metadata())

    init(
        method: MethodDescriptor,
        metadata: Metadata,
        deadline: ContinuousClock.Instant,
        attempt: UInt32,
        idempotencyKey: String,
        identity: Identity,
        peerPublicKey: String?
    ) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.identity = identity
        self.peerPublicKey = peerPublicKey
    }
}
