import Synchronization
import ZeroMQ

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
    /// The method being served.
    public let method: MethodDescriptor
    /// The request metadata.
    public let metadata: Metadata
    /// When the server gives up on the call (the client's remaining time, clamped by the
    /// server's limits). Calls the handler makes inherit it.
    public let deadline: ContinuousClock.Instant
    /// 1 for a first attempt, higher for retries.
    public let attempt: UInt32
    /// The client's idempotency key ("" when none).
    public let idempotencyKey: String
    /// The client's identity on the server's socket (its ZeroMQ routing id, hex).
    public var peer: String {
        switch identity {
        case .routingID(let frame): frame.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        case .name(let name): name
        }
    }

    private enum Identity: Sendable {
        case routingID(Frame)
        case name(String)
    }

    private let identity: Identity
    let trailers: ResponseTrailers

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
        trailers.append(key, value)
    }

    /// Creates a context (servers do this; tests of handlers may too).
    ///
    /// - Parameters:
    ///   - method: The method being served.
    ///   - metadata: The request metadata.
    ///   - deadline: When the call ends.
    ///   - attempt: The attempt number.
    ///   - idempotencyKey: The client's key.
    ///   - peer: The client's identity.
    public init(
        method: MethodDescriptor,
        metadata: Metadata = [:],
        deadline: ContinuousClock.Instant = .now.advanced(by: .seconds(5)),
        attempt: UInt32 = 1,
        idempotencyKey: String = "",
        peer: String = ""
    ) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.identity = .name(peer)
        self.trailers = ResponseTrailers()
    }

    init(
        method: MethodDescriptor,
        metadata: Metadata,
        deadline: ContinuousClock.Instant,
        attempt: UInt32,
        idempotencyKey: String,
        routingID: Frame
    ) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.identity = .routingID(routingID)
        self.trailers = ResponseTrailers()
    }

    /// The trailers set so far.
    public var responseTrailers: Metadata { trailers.metadata }
}

/// Trailers a handler sets while it runs (shared by copies of its context).
final class ResponseTrailers: Sendable {
    private let storage = Mutex(Metadata())

    func append(_ key: String, _ value: String) {
        storage.withLock { $0.append(key, value) }
    }

    var metadata: Metadata { storage.withLock { $0 } }
}
