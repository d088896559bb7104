/// What a `.proto` declares about calling a method, with ZRPC's options
/// (`Protos/zrpc/options.proto`): zrpc-gen writes them into the method's descriptor, and a client
/// applies them unless its code or environment configuration sets otherwise.
///
/// ```proto
/// rpc Get(GetRequest) returns (Order) {
///   option idempotency_level = NO_SIDE_EFFECTS;
///   option (zrpc.method_policy) = { timeout_millis: 250, cache_ttl_millis: 10000, hedging: { max_attempts: 2, delay_millis: 50 } };
/// }
/// ```
///
/// ```swift
/// Shop_Orders.Method.Get.descriptor.defaults.timeout          // .milliseconds(250)
/// Shop_Orders.Method.Get.descriptor.defaults.hedging?.delay    // .milliseconds(50)
/// ```
public struct CallDefaults: Hashable, Sendable {
    /// Retrying, as declared.
    public struct Retry: Hashable, Sendable {
        /// Attempts in all, the first included.
        public var maxAttempts: Int
        /// The backoff before the first retry; nil keeps the client's.
        public var initialBackoff: Duration?
        /// The backoff's cap; nil keeps the client's.
        public var maxBackoff: Duration?
        /// The backoff's growth per retry; nil keeps the client's.
        public var multiplier: Double?

        /// Creates a retry declaration.
        public init(
            maxAttempts: Int,
            initialBackoff: Duration? = nil,
            maxBackoff: Duration? = nil,
            multiplier: Double? = nil
        ) {
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.multiplier = multiplier
        }
    }

    /// Hedging, as declared.
    public struct Hedging: Hashable, Sendable {
        /// Attempts in all, the first included.
        public var maxAttempts: Int
        /// How long to wait for an answer before sending the next attempt.
        public var delay: Duration

        /// Creates a hedging declaration.
        public init(maxAttempts: Int, delay: Duration) {
            self.maxAttempts = maxAttempts
            self.delay = delay
        }
    }

    /// The default timeout of a call.
    public var timeout: Duration?
    /// Calls carry an idempotency key that the server honours: safe to retry and hedge.
    public var idempotencyKeyed: Bool
    /// Retry failed calls.
    public var retry: Retry?
    /// Hedge slow calls.
    public var hedging: Hedging?
    /// Cache successful responses this long.
    public var cacheTimeToLive: Duration?

    /// Creates defaults; with no arguments, nothing is declared.
    public init(
        timeout: Duration? = nil,
        idempotencyKeyed: Bool = false,
        retry: Retry? = nil,
        hedging: Hedging? = nil,
        cacheTimeToLive: Duration? = nil
    ) {
        self.timeout = timeout
        self.idempotencyKeyed = idempotencyKeyed
        self.retry = retry
        self.hedging = hedging
        self.cacheTimeToLive = cacheTimeToLive
    }

    /// Nothing declared.
    public static let none = CallDefaults()

    /// Whether a resilience layer (retry, hedging, cache) is declared.
    public var declaresResilience: Bool { retry != nil || hedging != nil || cacheTimeToLive != nil }
}
