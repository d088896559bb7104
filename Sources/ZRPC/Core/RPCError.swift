/// The error every failed ZRPC call throws: a gRPC status code, a message, and metadata.
///
/// Handlers throw it to choose the status a client sees; anything else a handler throws reaches
/// the client as ``Code/unknown`` with a generic message (internals never leak).
///
/// ```swift
/// throw RPCError(code: .notFound, message: "no user 42")
///
/// do {
///     _ = try await echo.say(request)
/// } catch let error as RPCError where error.code == .deadlineExceeded {
///     …
/// }
/// ```
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A gRPC status code other than OK. Extensible: unknown numbers from the wire are kept.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The number on the wire (gRPC's numbering).
        public let rawValue: Int32

        /// A code from its wire number; numbers gRPC does not define are kept as they are.
        ///
        /// - Parameter rawValue: The status code number (not 0, which is OK).
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// The caller cancelled the call.
        public static let cancelled = Code(rawValue: 1)
        /// An error with no better code; also what a handler's unexpected error becomes.
        public static let unknown = Code(rawValue: 2)
        /// The request is malformed (it did not decode, or a field is invalid).
        public static let invalidArgument = Code(rawValue: 3)
        /// The deadline passed before the call completed.
        public static let deadlineExceeded = Code(rawValue: 4)
        /// A requested entity was not found.
        public static let notFound = Code(rawValue: 5)
        /// The entity a call tried to create exists already.
        public static let alreadyExists = Code(rawValue: 6)
        /// The caller may not do this.
        public static let permissionDenied = Code(rawValue: 7)
        /// A limit was hit: a message too large, a full bulkhead, too many calls.
        public static let resourceExhausted = Code(rawValue: 8)
        /// The system is not in a state where the call can run.
        public static let failedPrecondition = Code(rawValue: 9)
        /// The call was aborted, typically by a concurrency conflict.
        public static let aborted = Code(rawValue: 10)
        /// A value was out of range.
        public static let outOfRange = Code(rawValue: 11)
        /// The service or method does not exist on the server.
        public static let unimplemented = Code(rawValue: 12)
        /// An invariant broke inside the framework or the server.
        public static let `internal` = Code(rawValue: 13)
        /// The service cannot be reached now (no peer, open circuit, shutting down); retrying may help.
        public static let unavailable = Code(rawValue: 14)
        /// Data was lost or corrupted.
        public static let dataLoss = Code(rawValue: 15)
        /// The caller did not prove who it is.
        public static let unauthenticated = Code(rawValue: 16)

        public var description: String {
            switch rawValue {
            case 1: "CANCELLED"
            case 2: "UNKNOWN"
            case 3: "INVALID_ARGUMENT"
            case 4: "DEADLINE_EXCEEDED"
            case 5: "NOT_FOUND"
            case 6: "ALREADY_EXISTS"
            case 7: "PERMISSION_DENIED"
            case 8: "RESOURCE_EXHAUSTED"
            case 9: "FAILED_PRECONDITION"
            case 10: "ABORTED"
            case 11: "OUT_OF_RANGE"
            case 12: "UNIMPLEMENTED"
            case 13: "INTERNAL"
            case 14: "UNAVAILABLE"
            case 15: "DATA_LOSS"
            case 16: "UNAUTHENTICATED"
            default: "CODE_\(rawValue)"
            }
        }
    }

    /// The status code.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// Metadata (trailers) that came with the error.
    public var metadata: Metadata
    /// How long the server asked the client to wait before retrying, if it did.
    public var retryAfter: Duration?
    /// The error underneath, when this one wraps another in this process (a decoding error, a
    /// transport failure). Never sent over the wire, and not part of equality.
    public var cause: (any Error)?

    /// Creates an error.
    ///
    /// ```swift
    /// throw RPCError(code: .invalidArgument, message: "bad order id", cause: parseError)
    /// ```
    ///
    /// - Parameters:
    ///   - code: The status code.
    ///   - message: What went wrong.
    ///   - metadata: Trailers to send with it.
    ///   - retryAfter: Asks the client not to retry before this long (servers under load).
    ///   - cause: The error underneath, for logs in this process.
    public init(
        code: Code,
        message: String,
        metadata: Metadata = [:],
        retryAfter: Duration? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.metadata = metadata
        self.retryAfter = retryAfter
        self.cause = cause
    }

    /// The code and message, and the cause when there is one.
    public var description: String {
        guard let cause else { return "\(code): \(message)" }
        return "\(code): \(message) (cause: \(cause))"
    }

    /// Equal when code, message, metadata and `retryAfter` are (``cause`` is not compared).
    public static func == (lhs: RPCError, rhs: RPCError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.metadata == rhs.metadata
            && lhs.retryAfter == rhs.retryAfter
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(metadata)
        hasher.combine(retryAfter)
    }
}

extension RPCError {
    /// The metadata key the client sets on errors of attempts no server received (never sent,
    /// or refused before any handler ran), which makes them safe to retry even when the method
    /// is not idempotent.
    public static let notSentMetadataKey = Metadata.reservedPrefix + "not-sent"

    /// The metadata key the client sets on errors of calls whose server was lost (its process
    /// died, or the connection broke) after the request was sent and before any answer came:
    /// the call may or may not have run. A retry layer may repeat it only when the method is safe
    /// to repeat (idempotent, or with an idempotency key the server honours).
    public static let outcomeUnknownMetadataKey = Metadata.reservedPrefix + "outcome-unknown"

    /// Whether the call failed with its outcome unknown (``outcomeUnknownMetadataKey``).
    public var outcomeUnknown: Bool {
        metadata[Self.outcomeUnknownMetadataKey] == "true"
    }

    /// Whether the failed attempt provably never reached a handler.
    public var neverReachedServer: Bool {
        metadata[Self.notSentMetadataKey] == "true"
    }
}
