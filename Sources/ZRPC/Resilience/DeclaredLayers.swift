import Logging
import Synchronization

/// The resilience layers a method's `.proto` declares (``CallDefaults``: retry, hedging, cache)
/// for the layers the client's own configuration leaves out: code and environment configuration
/// win, the `.proto` fills the gaps.
///
/// A method's layers are built on its first call and shared by its later calls; they run
/// innermost, around the transport. Methods that declare none skip this entirely.
final class DeclaredLayers: Sendable {
    private let configured: ResiliencePolicy
    private let logger: Logger
    private let budget: SharedRetryBudget?
    private let built = Mutex<[String: [any ClientInterceptor]]>([:])

    init(configured: ResiliencePolicy, logger: Logger) {
        self.configured = configured
        self.logger = logger
        budget = try? SharedRetryBudget(configured.retryBudget)
    }

    /// Runs `request` through its method's declared layers, then `transport`.
    nonisolated(nonsending) func run(
        _ request: ClientRequest,
        transport: nonisolated(nonsending) @escaping @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        let layers = self.layers(for: request.method)
        guard !layers.isEmpty else { return try await transport(request) }
        var next = transport
        for layer in layers.reversed() {
            let inner = next
            next = { request in try await layer.intercept(request, next: inner) }
        }
        return try await next(request)
    }

    /// The method's layers, outermost first (built and kept on first use).
    private func layers(for method: MethodDescriptor) -> [any ClientInterceptor] {
        if let layers = built.withLock({ $0[method.fullName] }) { return layers }
        let layers = make(for: method)
        return built.withLock { built in
            if let existing = built[method.fullName] { return existing }
            built[method.fullName] = layers
            return layers
        }
    }

    /// Cache, then hedging or retry (a method gets one of the two, hedging first, as in gRPC).
    private func make(for method: MethodDescriptor) -> [any ClientInterceptor] {
        let defaults = method.defaults
        var layers: [any ClientInterceptor] = []
        do {
            if let ttl = defaults.cacheTimeToLive, configured.cache == nil {
                layers.append(try CacheInterceptor(methods: [method], timeToLive: ttl))
            }
            if let hedging = defaults.hedging, configured.hedging == nil, let budget {
                let policy = HedgingInterceptor.Policy(maxAttempts: hedging.maxAttempts, hedgingDelay: hedging.delay)
                layers.append(try HedgingInterceptor(policy: policy, sharedBudget: budget))
            } else if let retry = defaults.retry, configured.retry == nil, configured.hedging == nil, let budget {
                var backoff = Backoff()
                if let initial = retry.initialBackoff { backoff.initial = initial }
                if let maximum = retry.maxBackoff { backoff.maximum = max(maximum, backoff.initial) }
                if let multiplier = retry.multiplier { backoff.multiplier = multiplier }
                let policy = RetryInterceptor.Policy(maxAttempts: retry.maxAttempts, backoff: backoff)
                layers.append(try RetryInterceptor(policy: policy, sharedBudget: budget))
            }
        } catch {
            logger.warning(
                "the .proto's call options for a method are not valid; calling it without them",
                metadata: ["method": "\(method)", "error": "\(error)"]
            )
            return []
        }
        return layers
    }
}
