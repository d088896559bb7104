/// Identifies one method of a service, as the wire protocol names it.
///
/// Generated code declares one per method of every `.proto` service:
///
/// ```swift
/// let say = Echo_Echo.Method.Say.descriptor
/// say.service      // "echo.Echo"
/// say.method       // "Say"
/// say.fullName     // "echo.Echo/Say"
/// ```
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// The service's full proto name, e.g. `echo.Echo`.
    public let service: String
    /// The method's name, e.g. `Say`.
    public let method: String
    /// Whether calling the method twice is safe (from `option idempotency_level`).
    public let idempotency: Idempotency
    /// Whether requests, responses or both stream (from `stream` in the `.proto`).
    public let kind: MethodKind
    /// What the `.proto` declares about calling it with ZRPC's options (default timeout, retry,
    /// hedging, idempotency key, caching).
    public let defaults: CallDefaults

    /// Creates a method descriptor.
    ///
    /// - Parameters:
    ///   - service: The service's full proto name.
    ///   - method: The method's name.
    ///   - idempotency: What the `.proto` declares about repeating the call.
    ///   - kind: Which sides stream.
    ///   - defaults: What the `.proto` declares about calling it.
    public init(
        service: String,
        method: String,
        idempotency: Idempotency = .unknown,
        kind: MethodKind = .unary,
        defaults: CallDefaults = .none
    ) {
        self.service = service
        self.method = method
        self.idempotency = idempotency
        self.kind = kind
        self.defaults = defaults
    }

    /// `service/method`, e.g. `echo.Echo/Say`.
    public var fullName: String { service + "/" + method }

    public var description: String { fullName }
}

/// What a method declares about being called more than once, from the standard
/// `option idempotency_level = …;` of `google.protobuf.MethodOptions`.
public struct Idempotency: Hashable, Sendable, CustomStringConvertible {
    /// The level's number in `MethodOptions.IdempotencyLevel`.
    public let level: Int32

    /// Creates a level from its number in `MethodOptions.IdempotencyLevel`.
    ///
    /// - Parameter level: 0 unknown, 1 no side effects, 2 idempotent.
    public init(level: Int32) {
        self.level = level
    }

    /// Nothing is declared: the method is not safe to repeat.
    public static let unknown = Idempotency(level: 0)
    /// The method only reads (`NO_SIDE_EFFECTS`).
    public static let noSideEffects = Idempotency(level: 1)
    /// Repeating the method has the same effect as calling it once (`IDEMPOTENT`).
    public static let idempotent = Idempotency(level: 2)

    /// Whether a failed call may be retried without risk of doing the work twice.
    public var isSafeToRetry: Bool { self == .noSideEffects || self == .idempotent }

    public var description: String {
        switch level {
        case 1: "no side effects"
        case 2: "idempotent"
        default: "unknown"
        }
    }
}

/// Which sides of a method stream, from `stream` in the `.proto`:
/// `rpc Watch(Query) returns (stream Event)` is server streaming.
public struct MethodKind: Hashable, Sendable, CustomStringConvertible {
    /// The client sends a stream of requests.
    public let clientStreams: Bool
    /// The server sends a stream of responses.
    public let serverStreams: Bool

    private init(clientStreams: Bool, serverStreams: Bool) {
        self.clientStreams = clientStreams
        self.serverStreams = serverStreams
    }

    /// One request, one response.
    public static let unary = MethodKind(clientStreams: false, serverStreams: false)
    /// A stream of requests, one response.
    public static let clientStreaming = MethodKind(clientStreams: true, serverStreams: false)
    /// One request, a stream of responses.
    public static let serverStreaming = MethodKind(clientStreams: false, serverStreams: true)
    /// Streams both ways.
    public static let bidirectionalStreaming = MethodKind(clientStreams: true, serverStreams: true)

    /// Whether either side streams (the call is opened as a stream on the wire).
    public var isStreaming: Bool { clientStreams || serverStreams }

    public var description: String {
        switch (clientStreams, serverStreams) {
        case (false, false): "unary"
        case (true, false): "client streaming"
        case (false, true): "server streaming"
        case (true, true): "bidirectional streaming"
        }
    }
}
