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
///
/// Writes made through the same client can update it themselves (``WriteThrough``), and a
/// `CacheInvalidator` (ZRPCPubSub) carries every change to the caches of other processes.
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
    private let writeThrough: [String: WriteThrough]
    /// Told every change made in this process (a write-through, or a call to `update` or
    /// `invalidate`), to carry it to other processes. Boxed in a struct: a closure stored in a
    /// `Mutex` directly is wrapped in two more reabstraction thunks by every `withLock` (the
    /// `inout` goes out and back through the generic), so after tens of thousands of changes
    /// calling it overflowed the stack (`CacheObserverTests`).
    private let changeObserver = Mutex<ChangeObserver?>(nil)
    private struct ChangeObserver {
        let tell: @Sendable (CacheChange?) -> Void
    }
    private let flushCount = Mutex(0)
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
    ///   - writeThrough: Write methods whose successful answers change cached answers.
    /// - Throws: ``ResilienceConfigurationError`` for invalid settings.
    public convenience init(
        methods: [MethodDescriptor],
        timeToLive: Duration = .seconds(30),
        maxEntries: Int = 1_000,
        staleIfErrorFor: Duration? = nil,
        staleOn: Set<RPCError.Code> = [.unavailable, .deadlineExceeded],
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        writeThrough: [WriteThrough] = []
    ) throws {
        try self.init(
            methods: methods,
            timeToLive: timeToLive,
            maxEntries: maxEntries,
            staleIfErrorFor: staleIfErrorFor,
            staleOn: staleOn,
            now: now,
            writeThrough: writeThrough,
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
        writeThrough: [WriteThrough] = [],
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
        self.writeThrough = Dictionary(writeThrough.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        self.staleOn = staleOn
        self.now = now
        self.waitingChanged = waitingChanged
    }

    /// Calls that went on to the server (misses that led a fetch).
    public var fetches: Int { calls.withLock { $0 } }

    /// Callers waiting for another caller's fetch of the same request.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Times every cached answer was dropped at once (``invalidateAll()``, also when a
    /// write-through rule failed or a `CacheInvalidator` saw a loss).
    public var flushes: Int { flushCount.withLock { $0 } }

    /// Drops the cached answer to `request` (and keeps a fetch in flight from being stored), and
    /// tells the change observer (other processes' caches, through a `CacheInvalidator`).
    ///
    /// ```swift
    /// try cache.invalidate(Users_Users.Method.Get.descriptor, request: GetUser(id: id), version: user.version)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The request whose answer is outdated.
    ///   - version: The written value's version, if it has one (see ``ResponseCache``: an older
    ///     change never undoes a newer one).
    public func invalidate(_ method: MethodDescriptor, request: some ProtobufMessage, version: UInt64? = nil) throws {
        try record(.invalidate(method, request: request, version: version))
    }

    /// Drops every cached answer (a flush), and tells the change observer (other processes flush
    /// too).
    ///
    /// ```swift
    /// cache.invalidateAll()  // e.g. after a bulk import
    /// ```
    public func invalidateAll() {
        flushLocally()
        changeObserver.withLock { $0 }?.tell(nil)
    }

    /// Drops every cached answer, telling no one (a flush asked for by another process, or made
    /// because a change from one may have been lost).
    package func flushLocally() {
        flushCount.withLock { $0 += 1 }
        state.withLock { $0.cache.invalidateAll() }
    }

    /// Write-through: stores `response` as the answer to `request`, as if it had just been fetched,
    /// and tells the change observer.
    ///
    /// ```swift
    /// try cache.update(Users_Users.Method.Get.descriptor, request: GetUser(id: id), response: user, version: user.version)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The request.
    ///   - response: Its new answer.
    ///   - version: The written value's version, if it has one.
    public func update(
        _ method: MethodDescriptor,
        request: some ProtobufMessage,
        response: some ProtobufMessage,
        version: UInt64? = nil
    ) throws {
        try record(.update(method, request: request, response: response, version: version))
    }

    /// Applies a change made in another process (no observer is told): drops or replaces one
    /// answer, unless its version is not above the last applied for that key.
    ///
    /// ```swift
    /// let applied = cache.apply(change)
    /// ```
    ///
    /// - Parameter change: The change.
    /// - Returns: Whether it was applied.
    @discardableResult
    public func apply(_ change: CacheChange) -> Bool {
        let key = Key(method: change.method, request: change.request)
        let instant = now()
        let value = change.response.flatMap { bytes in
            (try? SerializedMessage(bytes: bytes)).map { ClientResponse(payload: $0, metadata: [:]) }
        }
        return state.withLock { state in
            // A new answer that cannot be held (out of memory) drops the old one instead.
            if let value { return state.cache.update(key, value: value, now: instant, version: change.version) }
            return state.cache.invalidate(key, version: change.version)
        }
    }

    /// Sets who is told of every change made in this process, nil standing for "every answer
    /// dropped" (one observer; nil for none).
    package func observeChanges(_ observer: (@Sendable (CacheChange?) -> Void)?) {
        changeObserver.withLock { $0 = observer.map(ChangeObserver.init) }
    }

    /// Applies a change made here and tells the observer (when it applied).
    private func record(_ change: CacheChange) throws {
        guard apply(change) else { return }
        changeObserver.withLock { $0 }?.tell(change)
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        if !request.isStreaming, let rule = writeThrough[request.method.fullName] {
            let response = try await next(request)
            do {
                for change in try rule.changes(request, response) { try record(change) }
            } catch {
                // The write succeeded but its effect on the cache is unknown: forget everything.
                invalidateAll()
            }
            return response
        }
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
