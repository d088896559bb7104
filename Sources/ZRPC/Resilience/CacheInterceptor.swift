public import ProtobufC
import Synchronization
internal import ZeroMQ

/// Cache-aside for read methods: a response is kept for the request's exact bytes, concurrent
/// misses of one request make one call (stampede protection), and, when the call fails with a
/// status in `staleOn` (an open circuit, UNAVAILABLE, a deadline), an expired answer younger than
/// the policy's `staleIfErrorFor` is served instead. See ``ResponseCache`` for the rules.
///
/// ```swift
/// let cache = try CacheInterceptor(
///     methods: [Users_Users.Method.Get.descriptor],
///     timeToLive: .seconds(30), maxEntries: 10_000, staleIfErrorFor: .seconds(300)
/// )
/// let client = try await Client(configuration: .init(endpoints: endpoints, interceptors: [cache, breaker, retry]))
/// cache.invalidate(Users_Users.Method.Get.descriptor, request: getRequest)      // after a write
/// ```
public final class CacheInterceptor: ClientInterceptor, Sendable {
    /// A cached request: its method and its encoded bytes.
    struct Key: Hashable, Sendable {
        let method: String
        let request: [UInt8]
    }

    private struct State {
        var cache: ResponseCache<Key, ClientResponse>
        var waiters: [Key: [Waiter]] = [:]
    }

    /// A caller waiting for another caller's fetch.
    private struct Waiter {
        let continuation: CheckedContinuation<ClientResponse?, any Error>

        init(continuation: CheckedContinuation<ClientResponse?, any Error>) {
            self.continuation = continuation
        }

        func resume(returning response: ClientResponse) { continuation.resume(returning: response) }
        func resume(throwing error: any Error) { continuation.resume(throwing: error) }
    }

    private let state: Mutex<State>
    private let methods: Set<String>
    private let staleOn: Set<RPCError.Code>
    private let now: @Sendable () -> ContinuousClock.Instant
    private let calls = Mutex(0)

    /// Creates a cache layer.
    ///
    /// - Parameters:
    ///   - methods: The read methods to cache (others pass through).
    ///   - timeToLive: How long an answer is fresh.
    ///   - maxEntries: The most answers kept (least recently used go first).
    ///   - staleIfErrorFor: How long after expiry an answer may still stand in for a failed call.
    ///   - staleOn: Statuses for which an expired answer may be served instead.
    ///   - now: The clock (tests pass a manual one).
    /// - Throws: ``ResilienceConfigurationError`` for invalid settings.
    public init(
        methods: [MethodDescriptor],
        timeToLive: Duration = .seconds(30),
        maxEntries: Int = 1_000,
        staleIfErrorFor: Duration? = nil,
        staleOn: Set<RPCError.Code> = [.unavailable, .deadlineExceeded],
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) throws {
        let policy = ResponseCache<Key, ClientResponse>.Policy(
            timeToLive: timeToLive,
            maxEntries: maxEntries,
            staleIfErrorFor: staleIfErrorFor
        )
        try policy.validate()
        self.state = Mutex(State(cache: ResponseCache(policy: policy)))
        self.methods = Set(methods.map(\.fullName))
        self.staleOn = staleOn
        self.now = now
    }

    /// Calls that went on to the server (misses that led a fetch).
    public var fetches: Int { calls.withLock { $0 } }

    /// Callers waiting for another caller's fetch of the same request.
    public var waiting: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    /// Drops the cached answer to `request` (and keeps a fetch in flight from being stored).
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The request whose answer is outdated.
    public func invalidate(_ method: MethodDescriptor, request: some ProtobufMessage) throws {
        let key = Key(method: method.fullName, request: try request.serializedBytes())
        state.withLock { $0.cache.invalidate(key) }
    }

    /// Drops every cached answer.
    public func invalidateAll() {
        state.withLock { $0.cache.invalidateAll() }
    }

    /// Write-through: stores `response` as the answer to `request`, as if it had just been fetched.
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The request.
    ///   - response: Its new answer.
    public func update(_ method: MethodDescriptor, request: some ProtobufMessage, response: some ProtobufMessage) throws {
        let key = Key(method: method.fullName, request: try request.serializedBytes())
        let value = ClientResponse(payload: try SerializedMessage(bytes: try response.serializedBytes()), metadata: [:])
        let instant = now()
        state.withLock { $0.cache.update(key, value: value, now: instant) }
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        guard methods.contains(request.method.fullName) else { return try await next(request) }
        let key = Key(method: request.method.fullName, request: request.payload.bytes)
        while true {
            switch state.withLock({ $0.cache.lookup(key, now: now()) }) {
            case .hit(let response):
                return response
            case .wait:
                if let response = try await waitForFlight(key) { return response }
                // The flight ended before this caller could join it: look again.
            case .fetch:
                return try await lead(request, key: key, next: next)
            }
        }
    }

    /// Waits for the fetch in flight for `key`; nil when it had already ended.
    private func waitForFlight(_ key: Key) async throws -> ClientResponse? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ClientResponse?, any Error>) in
            let joined = state.withLock { state -> Bool in
                guard state.cache.isInFlight(key) else { return false }
                state.waiters[key, default: []].append(Waiter(continuation: continuation))
                return true
            }
            if !joined { continuation.resume(returning: nil) }
        }
    }

    /// Makes the one call for `key` and hands its outcome to every caller waiting for it.
    private func lead(
        _ request: ClientRequest,
        key: Key,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        calls.withLock { $0 += 1 }
        do {
            let response = try await next(request)
            let waiters = state.withLock { state in
                state.cache.complete(key, value: response, now: now())
                return state.waiters.removeValue(forKey: key) ?? []
            }
            for waiter in waiters { waiter.resume(returning: response) }
            return response
        } catch {
            let allowStale = (error as? RPCError).map { staleOn.contains($0.code) } ?? false
            let (stale, waiters) = state.withLock { state in
                (state.cache.fail(key, now: now(), allowStale: allowStale), state.waiters.removeValue(forKey: key) ?? [])
            }
            for waiter in waiters {
                if let stale { waiter.resume(returning: stale) } else { waiter.resume(throwing: error) }
            }
            if let stale { return stale }
            throw error
        }
    }
}
