import Logging
import Synchronization

/// Fails calls fast with UNAVAILABLE ("circuit open", no network traffic) while the service
/// they go to is failing; see ``CircuitBreaker`` for the state machine.
///
/// Put one per service (one per ``Client``). Which statuses count as failures is configurable;
/// state changes are logged and passed to `onTransition`.
///
/// ```swift
/// let breaker = try CircuitBreakerInterceptor(policy: .init(failureRateThreshold: 0.5, minimumCalls: 20))
/// let client = try await Client(configuration: .init(endpoints: endpoints, interceptors: [breaker]))
/// breaker.state   // .closed, .open(until:), .halfOpen(…)
/// ```
public final class CircuitBreakerInterceptor: ClientInterceptor, Sendable {
    /// Statuses counted as failures by default: the service is unavailable, too slow, broken or overloaded.
    public static let defaultFailureCodes: Set<RPCError.Code> = [
        .unavailable, .deadlineExceeded, .internal, .unknown, .resourceExhausted,
    ]

    private let breaker: Mutex<CircuitBreaker>
    private let failureCodes: Set<RPCError.Code>
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onTransition: @Sendable (CircuitBreaker.Transition) -> Void
    private let logger: Logger

    /// Creates a breaker.
    ///
    /// - Parameters:
    ///   - policy: When it opens and how it recovers.
    ///   - failureCodes: Statuses that count as failures (others, and successes, count as successes).
    ///   - logger: Where state changes are logged.
    ///   - now: The clock (tests pass a manual one).
    ///   - onTransition: Called on every state change (metrics, tests).
    /// - Throws: ``ResilienceConfigurationError`` for an invalid policy.
    public init(
        policy: CircuitBreaker.Policy = .init(),
        failureCodes: Set<RPCError.Code> = CircuitBreakerInterceptor.defaultFailureCodes,
        logger: Logger = Logger(label: "zrpc.circuit-breaker"),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        onTransition: @escaping @Sendable (CircuitBreaker.Transition) -> Void = { _ in }
    ) throws {
        try policy.validate()
        self.breaker = Mutex(CircuitBreaker(policy: policy))
        self.failureCodes = failureCodes
        self.now = now
        self.onTransition = onTransition
        self.logger = logger
    }

    /// The breaker's state now.
    public var state: CircuitBreaker.State { breaker.withLock { $0.state } }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        let start = now()
        if case .rejected(let retryAt) = breaker.withLock({ $0.acquire(now: start) }) {
            throw RPCError(
                code: .unavailable,
                message: "circuit open for \(request.method.service)",
                metadata: [RPCError.notSentMetadataKey: "true"],
                retryAfter: retryAt.map { max(.zero, start.duration(to: $0)) }
            )
        }
        do {
            let response = try await next(request)
            record(.success, since: start)
            return response
        } catch let error as RPCError {
            record(failureCodes.contains(error.code) ? .failure : .success, since: start)
            throw error
        } catch {
            record(.failure, since: start)
            throw error
        }
    }

    private func record(_ outcome: CircuitBreaker.Outcome, since start: ContinuousClock.Instant) {
        let end = now()
        guard let transition = breaker.withLock({ $0.record(outcome, duration: start.duration(to: end), now: end) })
        else { return }
        logger.warning(
            "circuit breaker state changed",
            metadata: ["from": "\(transition.from)", "to": "\(transition.to)"]
        )
        onTransition(transition)
    }
}
