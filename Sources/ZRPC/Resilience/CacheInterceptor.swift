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

    /// Everything behind the lock.
    private struct State {
        /// Entries and flights.
        var cache: ResponseCache<Key, ClientResponse>
        /// Callers waiting for another caller's fetch, by request.
        var waiters: [Key: Waiters<Handoff, any Error>] = [:]
        /// The callers in `waiters`, all keys together.
        var waiting = 0
    }

    /// What a waiting caller is told when it is resumed.
    private enum Handoff {
        /// The fetch's answer (or a stale one standing in for its error).
        case answer(ClientResponse)
        /// The caller that was fetching was cancelled: this caller now makes the call, for
        /// itself and the others still waiting.
        case lead
        /// The fetch had ended before this caller could wait for it: look the request up again.
        case lookAgain
    }

    private let state: Mutex<State>
    private let methods: Set<String>
    private let staleOn: Set<RPCError.Code>
    private let now: @Sendable () -> ContinuousClock.Instant
    private let calls = Mutex(0)
    /// Told the number of waiting callers whenever it changes (tests await it).
    private let waitingChanged: @Sendable (Int) -> Void

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
    public convenience init(
        methods: [MethodDescriptor],
        timeToLive: Duration = .seconds(30),
        maxEntries: Int = 1_000,
        staleIfErrorFor: Duration? = nil,
        staleOn: Set<RPCError.Code> = [.unavailable, .deadlineExceeded],
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) throws {
        try self.init(
            methods: methods,
            timeToLive: timeToLive,
            maxEntries: maxEntries,
            staleIfErrorFor: staleIfErrorFor,
            staleOn: staleOn,
            now: now,
            waitingChanged: { _ in }
        )
    }

    /// Creates a cache layer that reports the number of waiting callers whenever it changes.
    ///
    /// - Parameters:
    ///   - methods: The read methods to cache (others pass through).
    ///   - timeToLive: How long an answer is fresh.
    ///   - maxEntries: The most answers kept (least recently used go first).
    ///   - staleIfErrorFor: How long after expiry an answer may still stand in for a failed call.
    ///   - staleOn: Statuses for which an expired answer may be served instead.
    ///   - now: The clock (tests pass a manual one).
    ///   - waitingChanged: Told ``waiting`` after every change (called outside the lock; reports
    ///     from concurrent changes may arrive out of order).
    /// - Throws: ``ResilienceConfigurationError`` for invalid settings.
    init(
        methods: [MethodDescriptor],
        timeToLive: Duration,
        maxEntries: Int,
        staleIfErrorFor: Duration?,
        staleOn: Set<RPCError.Code>,
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        waitingChanged: @escaping @Sendable (Int) -> Void
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
        self.waitingChanged = waitingChanged
    }

    /// Calls that went on to the server (misses that led a fetch).
    public var fetches: Int { calls.withLock { $0 } }

    /// Callers waiting for another caller's fetch of the same request.
    public var waiting: Int { state.withLock { $0.waiting } }

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
    public func update(_ method: MethodDescriptor, request: some ProtobufMessage, response: some ProtobufMessage) throws
    {
        let key = Key(method: method.fullName, request: try request.serializedBytes())
        let value = ClientResponse(payload: try SerializedMessage(bytes: try response.serializedBytes()), metadata: [:])
        let instant = now()
        state.withLock { $0.cache.update(key, value: value, now: instant) }
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        guard !request.isStreaming, methods.contains(request.method.fullName) else { return try await next(request) }
        let key = Key(method: request.method.fullName, request: request.payload.bytes)
        while true {
            switch state.withLock({ $0.cache.lookup(key, now: now()) }) {
            case .hit(let response):
                return response
            case .wait:
                switch try await waitForFlight(key) {
                case .answer(let response): return response
                case .lead: return try await lead(request, key: key, next: next)
                case .lookAgain: continue
                }
            case .fetch:
                return try await lead(request, key: key, next: next)
            }
        }
    }

    /// Waits for the fetch in flight for `key`, until it ends or this caller is cancelled
    /// (CANCELLED at once; the fetch goes on for the others).
    private func waitForFlight(_ key: Key) async throws -> Handoff {
        let ticket = WaiterTicket.next()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff, any Error>) in
                let (outcome, waiting) = state.withLock { state -> (Result<Handoff, any Error>?, Int?) in
                    if Task.isCancelled { return (.failure(Self.cancelled), nil) }
                    guard state.cache.isInFlight(key) else { return (.success(.lookAgain), nil) }
                    state.waiters[key, default: Waiters()].park(continuation, ticket: ticket)
                    state.waiting += 1
                    return (nil, state.waiting)
                }
                if let outcome { continuation.resume(with: outcome) }
                if let waiting { waitingChanged(waiting) }
            }
        } onCancel: {
            let (waiter, waiting) = state.withLock { state -> (CheckedContinuation<Handoff, any Error>?, Int) in
                guard let waiter = state.waiters[key]?.take(ticket) else { return (nil, state.waiting) }
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
                state.waiting -= 1
                return (waiter, state.waiting)
            }
            guard let waiter else { return }
            waiter.resume(throwing: Self.cancelled)
            waitingChanged(waiting)
        }
    }

    /// Makes the one call for `key` and hands its outcome to every caller waiting for it; if this
    /// caller is cancelled, one waiting caller takes the call over instead.
    private func lead(
        _ request: ClientRequest,
        key: Key,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        calls.withLock { $0 += 1 }
        do {
            let response = try await next(request)
            let (waiters, waiting) = state.withLock { state in
                state.cache.complete(key, value: response, now: now())
                return takeWaiters(key, from: &state)
            }
            for waiter in waiters { waiter.resume(returning: .answer(response)) }
            if !waiters.isEmpty { waitingChanged(waiting) }
            return response
        } catch {
            if Task.isCancelled {
                // This caller gave up, the others did not: the flight goes on with a new leader.
                let (successor, waiting) = state.withLock { state -> (CheckedContinuation<Handoff, any Error>?, Int) in
                    guard let successor = state.waiters[key]?.takeOldest() else {
                        _ = state.cache.fail(key, now: now(), allowStale: false)
                        return (nil, state.waiting)
                    }
                    if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
                    state.waiting -= 1
                    return (successor, state.waiting)
                }
                if let successor {
                    successor.resume(returning: .lead)
                    waitingChanged(waiting)
                }
                throw error
            }
            let allowStale = (error as? RPCError).map { staleOn.contains($0.code) } ?? false
            let (stale, waiters, waiting) = state.withLock { state in
                let stale = state.cache.fail(key, now: now(), allowStale: allowStale)
                let (waiters, waiting) = takeWaiters(key, from: &state)
                return (stale, waiters, waiting)
            }
            for waiter in waiters {
                if let stale { waiter.resume(returning: .answer(stale)) } else { waiter.resume(throwing: error) }
            }
            if !waiters.isEmpty { waitingChanged(waiting) }
            if let stale { return stale }
            throw error
        }
    }

    /// Takes every caller waiting for `key` out of `state`; returns them and the callers still
    /// waiting (for other keys).
    private func takeWaiters(_ key: Key, from state: inout State) -> ([CheckedContinuation<Handoff, any Error>], Int) {
        var parked = state.waiters.removeValue(forKey: key) ?? Waiters()
        let waiters = parked.takeAll()
        state.waiting -= waiters.count
        return (waiters, state.waiting)
    }

    /// What a caller that gave up while waiting gets.
    private static var cancelled: RPCError { RPCError(code: .cancelled, message: "the call was cancelled") }
}
