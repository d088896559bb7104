import Logging

/// The resilience layers a ``Client`` builds for the service it talks to, by configuration: a
/// generated stub over that client gets them on every call without writing an interceptor.
///
/// The layers wrap each call in ``order`` (outermost first; by default cache → fallback →
/// bulkhead → circuit breaker → retry, then the transport, which enforces the deadline).
/// Interceptors in ``Client/Configuration/interceptors`` run outside all of them. The retry layer
/// hedges the calls ``hedging`` applies to and retries the others: a method is hedged or retried,
/// never both, and hedges and retries draw from one ``retryBudget``.
///
/// ```swift
/// var configuration = Client.Configuration(endpoints: ["tcp://orders:5555"])
/// configuration.resilience.retry = .init(maxAttempts: 3)
/// configuration.resilience.hedging = .init(maxAttempts: 2, hedgingDelay: .milliseconds(20))   // reads
/// configuration.resilience.circuitBreaker = .init(failureRateThreshold: 0.5, minimumCalls: 20)
/// configuration.resilience.bulkhead = .init(maxConcurrentCalls: 32, maxQueuedCalls: 64)
/// configuration.resilience.cache = .init(methods: [Orders_Orders.Method.Get.descriptor], timeToLive: .seconds(10))
/// let orders = Orders_Orders.Client(wrapping: try await Client(configuration: configuration))
/// ```
public struct ResiliencePolicy: Sendable {
    /// One layer. A struct, not an enum, so that a layer added later breaks no `switch` of yours.
    public struct Layer: Hashable, Sendable, CustomStringConvertible {
        /// A short name for logs (`circuit-breaker`).
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// Cache-aside with stampede protection.
        public static let cache = Layer("cache")
        /// Substitute answers for failed calls.
        public static let fallback = Layer("fallback")
        /// A bound on concurrent calls, with a queue.
        public static let bulkhead = Layer("bulkhead")
        /// Fail fast while the service fails.
        public static let circuitBreaker = Layer("circuit-breaker")
        /// Retries with backoff, or hedging, under a budget.
        public static let retry = Layer("retry")

        /// Every layer there is.
        public static let allCases: [Layer] = [.cache, .fallback, .bulkhead, .circuitBreaker, .retry]

        /// The name.
        public var description: String { name }
    }

    /// Cache-aside settings.
    public struct Cache: Sendable {
        /// The read methods to cache.
        public var methods: [MethodDescriptor]
        /// How long an answer is fresh.
        public var timeToLive: Duration
        /// The most answers kept.
        public var maxEntries: Int
        /// How long after expiry an answer may stand in for a failed call.
        public var staleIfErrorFor: Duration?

        /// Creates cache settings.
        ///
        /// - Parameters:
        ///   - methods: The read methods to cache.
        ///   - timeToLive: How long an answer is fresh.
        ///   - maxEntries: The most answers kept.
        ///   - staleIfErrorFor: The stale-if-error window, or nil for none.
        public init(
            methods: [MethodDescriptor],
            timeToLive: Duration = .seconds(30),
            maxEntries: Int = 1_000,
            staleIfErrorFor: Duration? = nil
        ) {
            self.methods = methods
            self.timeToLive = timeToLive
            self.maxEntries = maxEntries
            self.staleIfErrorFor = staleIfErrorFor
        }
    }

    /// The default order, outermost first.
    public static let defaultOrder: [Layer] = [.cache, .fallback, .bulkhead, .circuitBreaker, .retry]

    /// Retry policy, or nil for no retries.
    public var retry: RetryInterceptor.Policy?
    /// Hedging policy, or nil for no hedging. The methods it hedges (safe to repeat, more than one
    /// attempt) are not retried; the others are, by ``retry``.
    public var hedging: HedgingInterceptor.Policy?
    /// The retry budget (used when ``retry`` or ``hedging`` is set; both draw from it).
    public var retryBudget: RetryBudget
    /// Circuit breaker policy, or nil for none.
    public var circuitBreaker: CircuitBreaker.Policy?
    /// Bulkhead limits, or nil for none.
    public var bulkhead: Bulkhead.Policy?
    /// Cache-aside settings, or nil for none.
    public var cache: Cache?
    /// Per-method fallbacks.
    public var fallbacks: [FallbackInterceptor.Fallback]
    /// The order of the layers, outermost first; every layer appears once.
    public var order: [Layer]

    /// No layers.
    public init() {
        retry = nil
        hedging = nil
        retryBudget = RetryBudget()
        circuitBreaker = nil
        bulkhead = nil
        cache = nil
        fallbacks = []
        order = Self.defaultOrder
    }

    /// No layers: calls go straight to the transport (which still enforces the deadline).
    public static var none: ResiliencePolicy { ResiliencePolicy() }

    /// Builds the layers; an invalid setting is a ``ResilienceConfigurationError``.
    ///
    /// - Parameter logger: Where the layers log (the client's ``Client/Configuration/logger``).
    func makeLayers(logger: Logger) throws -> ResilienceLayers {
        guard Set(order).count == order.count, Set(order) == Set(Layer.allCases) else {
            throw ResilienceConfigurationError("resilience order must name each layer once, not \(order)")
        }
        var layers = ResilienceLayers()
        if retry != nil || hedging != nil {
            let budget = try SharedRetryBudget(retryBudget)
            if let retry { layers.retry = try RetryInterceptor(policy: retry, sharedBudget: budget) }
            if let hedging { layers.hedging = try HedgingInterceptor(policy: hedging, sharedBudget: budget) }
        }
        if let circuitBreaker {
            layers.circuitBreaker = try CircuitBreakerInterceptor(policy: circuitBreaker, logger: logger)
        }
        if let bulkhead { layers.bulkhead = try BulkheadInterceptor(policy: bulkhead) }
        if let cache {
            layers.cache = try CacheInterceptor(
                methods: cache.methods,
                timeToLive: cache.timeToLive,
                maxEntries: cache.maxEntries,
                staleIfErrorFor: cache.staleIfErrorFor
            )
        }
        if !fallbacks.isEmpty { layers.fallback = FallbackInterceptor(fallbacks) }
        layers.order = order
        return layers
    }

    /// A one-line summary for the start-up log.
    var summary: String {
        var parts: [String] = []
        for layer in order {
            switch layer {
            case .cache: if let cache { parts.append("cache(\(cache.methods.count) methods, ttl \(cache.timeToLive))") }
            case .fallback: if !fallbacks.isEmpty { parts.append("fallback(\(fallbacks.count) methods)") }
            case .bulkhead:
                if let bulkhead {
                    parts.append("bulkhead(\(bulkhead.maxConcurrentCalls) + \(bulkhead.maxQueuedCalls) queued)")
                }
            case .circuitBreaker:
                if let circuitBreaker {
                    parts.append(
                        "breaker(\(circuitBreaker.failureRateThreshold) over \(circuitBreaker.window), open \(circuitBreaker.openDuration))"
                    )
                }
            case .retry:
                var repeats: [String] = []
                if let retry { repeats.append("retry(\(retry.maxAttempts) attempts)") }
                if let hedging {
                    repeats.append("hedging(\(hedging.maxAttempts) attempts after \(hedging.hedgingDelay))")
                }
                if !repeats.isEmpty {
                    parts.append(repeats.joined(separator: " or ") + " with budget \(retryBudget.maxTokens)")
                }
            default: break
            }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: " → ")
    }
}

/// The layers a client built from its ``ResiliencePolicy``, to observe them (breaker state,
/// retry and hedging counters, cache fetches, bulkhead load).
public struct ResilienceLayers: Sendable {
    /// The retry layer, if configured.
    public internal(set) var retry: RetryInterceptor?
    /// The hedging layer, if configured (in the retry layer's place, for the methods it hedges).
    public internal(set) var hedging: HedgingInterceptor?
    /// The circuit breaker, if configured.
    public internal(set) var circuitBreaker: CircuitBreakerInterceptor?
    /// The bulkhead, if configured.
    public internal(set) var bulkhead: BulkheadInterceptor?
    /// The cache, if configured.
    public internal(set) var cache: CacheInterceptor?
    /// The fallbacks, if configured.
    public internal(set) var fallback: FallbackInterceptor?
    var order: [ResiliencePolicy.Layer] = ResiliencePolicy.defaultOrder

    /// The layers as interceptors, outermost first.
    var interceptors: [any ClientInterceptor] {
        order.compactMap { layer -> (any ClientInterceptor)? in
            switch layer {
            case .cache: cache
            case .fallback: fallback
            case .bulkhead: bulkhead
            case .circuitBreaker: circuitBreaker
            case .retry: retryLayer
            default: nil
            }
        }
    }

    /// What sits in the retry layer's place: hedging for the methods it hedges and retries for
    /// the others, or whichever of the two is configured.
    private var retryLayer: (any ClientInterceptor)? {
        switch (hedging, retry) {
        case (let hedging?, let retry?): HedgingOrRetryInterceptor(hedging: hedging, retry: retry)
        case (let hedging?, nil): hedging
        case (nil, let retry?): retry
        case (nil, nil): nil
        }
    }
}
