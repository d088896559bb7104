/// A response cache's state machine: the pure core of a cache-aside client layer for read methods, a
/// value driven by the caller's clock, so every expiry, eviction and flight can be tested exactly.
///
/// - **TTL**: an entry is fresh for `timeToLive` after it was stored (by ``complete(_:value:now:)`` or
///   ``update(_:value:now:)``); at exactly `timeToLive` it has expired.
/// - **Size**: at most `maxEntries` entries; storing a new key into a full cache evicts the least
///   recently used entry (a hit, a store or a stale serve counts as a use).
/// - **Single flight**: concurrent misses for one key make one fetch. The first miss is told to
///   ``Lookup/fetch`` and must end the flight with ``complete(_:value:now:)`` or ``fail(_:now:allowStale:)``;
///   later misses are told to ``Lookup/wait`` for that result. The runtime layer keeps the waiters;
///   this value only tracks which keys have a fetch in flight.
/// - **Stale if error**: with `staleIfErrorFor` set, an expired entry is kept, and when the fetch fails
///   with an error the caller considers "use stale" (circuit open, `UNAVAILABLE`, deadline exceeded),
///   ``fail(_:now:allowStale:)`` returns it for up to that long after it expired.
/// - **Invalidation**: ``invalidate(_:)`` and ``invalidateAll()`` drop entries and supersede any fetch in
///   flight for them: its completion is handed to its waiters but *not stored*, since it may have been
///   read before the write that caused the invalidation. Lookups made while such a fetch is still in
///   flight keep waiting on it (there is one flight per key); the first lookup after it ends fetches anew.
///   ``update(_:value:now:)`` (write-through) likewise supersedes a fetch in flight, so an older read
///   cannot overwrite the newer written value.
/// - **Versions**: an update or an invalidation may carry the written value's version (greater is
///   newer). The cache remembers the highest version it applied per key, also after the entry is
///   gone, and ignores a versioned change that is not above it: an invalidation that arrives late
///   cannot undo a newer write. It remembers at most `4 × maxEntries` keys' versions; past that it
///   forgets those of keys with no entry (a change that old then applies).
///
/// Lookups, stores and invalidations of one key are O(1) (a dictionary); recency is a monotonically
/// increasing use counter per entry, so eviction scans for the minimum: O(n), and only when a new key
/// is stored into a full cache.
///
/// ```swift
/// var cache = ResponseCache<String, User>(policy: .init(timeToLive: .seconds(30), staleIfErrorFor: .seconds(300)))
/// switch cache.lookup(id, now: clock.now) {
/// case .hit(let user): return user
/// case .wait: return try await waiters.wait(for: id)  // the leader's result
/// case .fetch:
///     do {
///         let user = try await next(request)
///         cache.complete(id, value: user, now: clock.now)
///         return user
///     } catch let error as RPCError where error.code == .unavailable {
///         guard let stale = cache.fail(id, now: clock.now, allowStale: true) else { throw error }
///         return stale
///     }
/// }
/// ```
public struct ResponseCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// How long entries live and how many are kept.
    public struct Policy: Hashable, Sendable {
        /// How long a stored value is served as fresh.
        public var timeToLive: Duration
        /// The most entries kept; beyond it the least recently used is evicted.
        public var maxEntries: Int
        /// How long after expiry a value may still be served when the fresh fetch failed with a
        /// "use stale" error; `nil` never serves stale values.
        public var staleIfErrorFor: Duration?

        /// Creates a policy.
        ///
        /// ```swift
        /// let policy = ResponseCache<String, User>.Policy(timeToLive: .seconds(10), maxEntries: 500)
        /// ```
        ///
        /// - Parameters:
        ///   - timeToLive: How long a value is fresh (positive).
        ///   - maxEntries: The most entries kept (≥ 1).
        ///   - staleIfErrorFor: How long after expiry a value may be served on error (not negative),
        ///     or `nil` for never.
        public init(timeToLive: Duration = .seconds(30), maxEntries: Int = 1000, staleIfErrorFor: Duration? = nil) {
            self.timeToLive = timeToLive
            self.maxEntries = maxEntries
            self.staleIfErrorFor = staleIfErrorFor
        }

        func validate() throws {
            guard timeToLive > .zero else {
                throw ResilienceConfigurationError("cache timeToLive must be positive, not \(timeToLive)")
            }
            guard maxEntries >= 1 else {
                throw ResilienceConfigurationError("cache maxEntries must be ≥ 1, not \(maxEntries)")
            }
            if let staleIfErrorFor, staleIfErrorFor < .zero {
                throw ResilienceConfigurationError("cache staleIfErrorFor must not be negative, not \(staleIfErrorFor)")
            }
        }
    }

    /// What a caller should do for a key.
    ///
    /// ```swift
    /// if case .hit(let value) = cache.lookup(key, now: clock.now) { return value }
    /// ```
    ///
    /// Frozen: a key is fresh, or missed with this caller leading the fetch, or missed while
    /// another caller leads it. Serving a stale answer is decided when a fetch fails, not here.
    public enum Lookup: Sendable {
        /// A fresh value: serve it.
        case hit(Value)
        /// A miss, and this caller leads: fetch, then call `complete` or `fail`.
        case fetch
        /// A miss while a fetch for the key is in flight: wait for its result.
        case wait
    }

    private struct Entry {
        var value: Value
        var expiresAt: ContinuousClock.Instant
        var lastUsed: UInt64
    }

    private struct Flight {
        /// Invalidated or written over since the fetch began: its result must not be stored.
        var superseded = false
    }

    /// The policy.
    public let policy: Policy
    private var entries: [Key: Entry] = [:]
    private var flights: [Key: Flight] = [:]
    private var useCounter: UInt64 = 0
    /// The highest version applied per key.
    private var versions: [Key: UInt64] = [:]

    /// Creates an empty cache.
    ///
    /// ```swift
    /// var cache = ResponseCache<String, User>(policy: .init(timeToLive: .seconds(30)))
    /// ```
    ///
    /// - Parameter policy: How long entries live and how many are kept.
    public init(policy: Policy) {
        self.policy = policy
    }

    /// Entries stored, including expired ones kept for stale-if-error or not yet swept.
    ///
    /// ```swift
    /// metrics.cacheSize.record(cache.count)
    /// ```
    public var count: Int { entries.count }

    /// Whether a fetch for `key` is in flight (a leader was told to fetch and has not yet called
    /// `complete` or `fail`).
    ///
    /// ```swift
    /// #expect(cache.isInFlight("user-1"))
    /// ```
    ///
    /// - Parameter key: The key.
    public func isInFlight(_ key: Key) -> Bool {
        flights[key] != nil
    }

    /// Looks `key` up at `now`: a fresh value is a hit (and becomes the most recently used); on a
    /// miss the first caller is told to fetch and later callers to wait, until the flight ends.
    ///
    /// ```swift
    /// switch cache.lookup(key, now: clock.now) {
    /// case .hit(let value): return value
    /// case .fetch: return try await fetchAndComplete(key)
    /// case .wait: return try await waiters.wait(for: key)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - key: The request's cache key.
    ///   - now: The current instant.
    /// - Returns: What the caller should do.
    public mutating func lookup(_ key: Key, now: ContinuousClock.Instant) -> Lookup {
        if let entry = entries[key] {
            if now < entry.expiresAt {
                entries[key]!.lastUsed = nextUse()
                return .hit(entry.value)
            }
            if !isServableStale(entry, now: now) {
                entries[key] = nil  // past any use: free the slot now rather than at eviction
            }
        }
        if flights[key] != nil { return .wait }
        flights[key] = Flight()
        return .fetch
    }

    /// Ends the flight for `key` with a fetched value and stores it, fresh for `timeToLive` from `now`
    /// — unless the flight was superseded by an invalidation or a write-through while it ran (or
    /// there is no flight for `key`), in which case nothing is stored. Either way the caller hands
    /// the value to the flight's waiters.
    ///
    /// ```swift
    /// let value = try await next(request)
    /// cache.complete(key, value: value, now: clock.now)
    /// waiters.resume(key, with: .success(value))
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key the caller was told to fetch.
    ///   - value: The fetched value.
    ///   - now: When the response arrived.
    /// - Returns: Whether the value was stored.
    @discardableResult
    public mutating func complete(_ key: Key, value: Value, now: ContinuousClock.Instant) -> Bool {
        guard let flight = flights.removeValue(forKey: key), !flight.superseded else { return false }
        store(key, value: value, now: now)
        return true
    }

    /// Ends the flight for `key` after the fetch failed, and returns a value to serve instead of the
    /// error, if any: with `allowStale`, the entry for `key` while it is fresh or within
    /// `staleIfErrorFor` after it expired (before `expiry + staleIfErrorFor`, exclusive).
    ///
    /// ```swift
    /// } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
    ///     guard let stale = cache.fail(key, now: clock.now, allowStale: true) else { throw error }
    ///     return stale
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key the caller was told to fetch.
    ///   - now: When the fetch failed.
    ///   - allowStale: Whether the error is one the caller would rather answer with a stale value
    ///     (circuit open, `UNAVAILABLE`, deadline exceeded) than report.
    /// - Returns: The value to serve (and hand to the waiters), or `nil` to report the error.
    public mutating func fail(_ key: Key, now: ContinuousClock.Instant, allowStale: Bool) -> Value? {
        flights[key] = nil
        guard let entry = entries[key] else { return nil }
        guard now < entry.expiresAt || isServableStale(entry, now: now) else {
            entries[key] = nil
            return nil
        }
        guard allowStale else { return nil }
        entries[key]!.lastUsed = nextUse()
        return entry.value
    }

    /// Stores `value` for `key` after a successful write (write-through), fresh for `timeToLive`
    /// from `now`. A fetch in flight for `key` is superseded: its older result will not be stored.
    ///
    /// ```swift
    /// let user = try await client.updateUser(request)
    /// cache.update(user.id, value: user, now: clock.now)
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key whose value the write changed.
    ///   - value: The new value.
    ///   - now: When the write completed.
    ///   - version: The written value's version, if it has one: the update is ignored unless it is
    ///     above the last version applied for `key`.
    /// - Returns: Whether it was applied.
    @discardableResult
    public mutating func update(_ key: Key, value: Value, now: ContinuousClock.Instant, version: UInt64? = nil) -> Bool
    {
        guard admit(key, version: version) else { return false }
        flights[key]?.superseded = true
        store(key, value: value, now: now)
        return true
    }

    /// Removes the entry for `key` (after a write that did not return the new value). A fetch in
    /// flight for `key` is superseded: its result still goes to its waiters but is not stored.
    ///
    /// ```swift
    /// try await client.deleteUser(request)
    /// cache.invalidate(request.id)
    /// ```
    ///
    /// - Parameters:
    ///   - key: The key to forget.
    ///   - version: The written value's version, if it has one: the invalidation is ignored unless
    ///     it is above the last version applied for `key`.
    /// - Returns: Whether it was applied.
    @discardableResult
    public mutating func invalidate(_ key: Key, version: UInt64? = nil) -> Bool {
        guard admit(key, version: version) else { return false }
        entries[key] = nil
        flights[key]?.superseded = true
        return true
    }

    /// The highest version applied for `key`, if any.
    ///
    /// ```swift
    /// #expect(cache.version(of: "user-1") == 7)
    /// ```
    ///
    /// - Parameter key: The key.
    public func version(of key: Key) -> UInt64? {
        versions[key]
    }

    /// Removes every entry and supersedes every fetch in flight (their results are not stored).
    /// Flights stay tracked until their leaders call `complete` or `fail`.
    ///
    /// ```swift
    /// cache.invalidateAll()  // e.g. after a bulk import
    /// ```
    public mutating func invalidateAll() {
        entries.removeAll()
        flights = flights.mapValues { _ in Flight(superseded: true) }
    }

    // MARK: Internals

    /// Whether a change of `version` may apply to `key`; records the version when it may.
    private mutating func admit(_ key: Key, version: UInt64?) -> Bool {
        guard let version else { return true }
        if let applied = versions[key], version <= applied { return false }
        versions[key] = version
        if versions.count > 4 * max(policy.maxEntries, 1) {
            versions = versions.filter { $0.key == key || entries[$0.key] != nil }
        }
        return true
    }

    private func isServableStale(_ entry: Entry, now: ContinuousClock.Instant) -> Bool {
        guard let window = policy.staleIfErrorFor else { return false }
        return now < entry.expiresAt.advanced(by: window)
    }

    private mutating func nextUse() -> UInt64 {
        useCounter &+= 1
        return useCounter
    }

    private mutating func store(_ key: Key, value: Value, now: ContinuousClock.Instant) {
        let entry = Entry(value: value, expiresAt: now.advanced(by: policy.timeToLive), lastUsed: nextUse())
        if entries.updateValue(entry, forKey: key) == nil {
            evictIfNeeded()
        }
    }

    /// O(n): only when a new key went into a full cache.
    private mutating func evictIfNeeded() {
        while entries.count > max(policy.maxEntries, 1) {
            guard let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { return }
            entries[oldest.key] = nil
        }
    }
}

extension ResponseCache.Lookup: Equatable where Value: Equatable {}
extension ResponseCache.Lookup: Hashable where Value: Hashable {}
