/// Per-call settings: the deadline, metadata and idempotency key.
///
/// The timeout covers the whole call, every retry attempt included; it is turned into a deadline
/// once, when the call starts. A call made inside a handler never outlives the handler's own
/// deadline (see ``ServerContext``).
///
/// ```swift
/// let reply = try await echo.say(request, options: .init(timeout: .seconds(1)))
/// var options = CallOptions()
/// options.metadata["tenant"] = "acme"
/// ```
public struct CallOptions: Sendable {
    /// How long the caller waits; nil uses the client's default timeout.
    public var timeout: Duration?
    /// Request metadata.
    public var metadata: Metadata
    /// A key that stays the same across retries of one logical call, so a server can drop
    /// duplicates; nil lets the client make one per call.
    public var idempotencyKey: String?

    /// Creates options.
    ///
    /// - Parameters:
    ///   - timeout: How long to wait; nil for the client's default.
    ///   - metadata: Request metadata.
    ///   - idempotencyKey: A key that identifies the call across retries.
    public init(timeout: Duration? = nil, metadata: Metadata = [:], idempotencyKey: String? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
    }

    /// No timeout override, no metadata.
    public static var defaults: CallOptions { CallOptions() }
}
