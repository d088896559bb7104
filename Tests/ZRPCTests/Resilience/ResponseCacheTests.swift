import Testing

@testable import ZRPC

/// The response cache's state machine, driven by explicit instants: exact expiry, eviction and
/// single-flight behaviour, no sleeps.
@Suite("Response cache")
struct ResponseCacheTests {
    typealias Cache = ResponseCache<String, String>

    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(milliseconds))
    }

    /// A cache holding `value` for `key`, stored at `at(0)`.
    func cache(_ policy: Cache.Policy, holding key: String = "a", _ value: String = "old") -> Cache {
        var cache = Cache(policy: policy)
        _ = cache.lookup(key, now: at(0))
        cache.complete(key, value: value, now: at(0))
        return cache
    }

    // MARK: Hits and expiry

    @Test("a completed fetch is a hit")
    func hitAfterComplete() {
        var cache = Cache(policy: .init(timeToLive: .seconds(1)))
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        let stored = cache.complete("a", value: "x", now: at(10))
        #expect(stored)
        #expect(!cache.isInFlight("a"))
        #expect(cache.count == 1)
        #expect(cache.lookup("a", now: at(20)) == .hit("x"))
        #expect(cache.lookup("b", now: at(20)) == .fetch)  // other keys are unaffected
    }

    @Test("an entry expires at exactly its time to live after it was stored")
    func expiryAtTTL() {
        var cache = Cache(policy: .init(timeToLive: .seconds(1)))
        _ = cache.lookup("a", now: at(0))
        cache.complete("a", value: "x", now: at(100))  // the TTL runs from the response, not the lookup
        #expect(cache.lookup("a", now: at(1_099)) == .hit("x"))
        #expect(cache.lookup("a", now: at(1_099).advanced(by: .nanoseconds(999_999))) == .hit("x"))
        #expect(cache.lookup("a", now: at(1_100)) == .fetch)
        #expect(cache.count == 0)  // no stale window: the expired entry is dropped at once
    }

    // MARK: Single flight

    @Test("concurrent misses make one fetch; the others wait until it completes")
    func singleFlight() {
        var cache = Cache(policy: .init())
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        #expect(cache.isInFlight("a"))
        #expect(cache.lookup("a", now: at(1)) == .wait)
        #expect(cache.lookup("a", now: at(2)) == .wait)
        #expect(cache.lookup("b", now: at(3)) == .fetch)  // flights are per key
        cache.complete("a", value: "x", now: at(4))
        #expect(!cache.isInFlight("a"))
        #expect(cache.isInFlight("b"))
        #expect(cache.lookup("a", now: at(5)) == .hit("x"))
    }

    @Test("a thousand lookups of a cold key give exactly one fetch")
    func stampede() {
        var cache = Cache(policy: .init())
        var fetches = 0
        var waits = 0
        for index in 0..<1_000 {
            switch cache.lookup("cold", now: at(index)) {
            case .fetch: fetches += 1
            case .wait: waits += 1
            case .hit: Issue.record("no value was stored")
            }
        }
        #expect(fetches == 1)
        #expect(waits == 999)
        cache.complete("cold", value: "x", now: at(1_000))
        #expect(cache.lookup("cold", now: at(1_001)) == .hit("x"))
    }

    @Test("a completion with no flight is not stored")
    func completeWithoutFlight() {
        var cache = Cache(policy: .init())
        let stored = cache.complete("a", value: "x", now: at(0))
        #expect(!stored)
        #expect(cache.count == 0)
        #expect(cache.lookup("a", now: at(1)) == .fetch)
    }

    // MARK: Failure and stale-if-error

    @Test("a failed fetch without stale gives nil and the next lookup fetches again")
    func failWithoutStale() {
        var cache = Cache(policy: .init())
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        #expect(cache.lookup("a", now: at(1)) == .wait)
        #expect(cache.fail("a", now: at(2), allowStale: true) == nil)  // nothing cached to fall back on
        #expect(!cache.isInFlight("a"))
        #expect(cache.lookup("a", now: at(3)) == .fetch)
    }

    @Test("without a stale window an expired entry is never served on error")
    func failNoStaleWindow() {
        var cache = cache(.init(timeToLive: .seconds(1)))
        #expect(cache.lookup("a", now: at(1_000)) == .fetch)
        #expect(cache.fail("a", now: at(1_001), allowStale: true) == nil)
        #expect(cache.lookup("a", now: at(1_002)) == .fetch)
    }

    @Test("stale-if-error serves the expired value within the window, not after it")
    func staleIfError() {
        var cache = cache(.init(timeToLive: .seconds(1), staleIfErrorFor: .seconds(10)))
        // Expired at 1 s, servable on error until (but not at) 11 s.
        #expect(cache.lookup("a", now: at(1_000)) == .fetch)
        #expect(cache.count == 1)  // kept for stale-if-error
        #expect(cache.fail("a", now: at(1_500), allowStale: true) == "old")
        #expect(cache.lookup("a", now: at(2_000)) == .fetch)  // a stale value is never a hit
        #expect(cache.fail("a", now: at(10_999), allowStale: true) == "old")
        #expect(cache.lookup("a", now: at(11_000)) == .fetch)  // the window is over: dropped
        #expect(cache.count == 0)
        #expect(cache.fail("a", now: at(11_000), allowStale: true) == nil)
        #expect(cache.lookup("a", now: at(11_001)) == .fetch)
    }

    @Test("the stale window ends at exactly expiry plus staleIfErrorFor when the fetch fails")
    func staleWindowEdge() {
        var cache = cache(.init(timeToLive: .seconds(1), staleIfErrorFor: .seconds(2)))
        #expect(cache.lookup("a", now: at(2_999)) == .fetch)  // still within the window: kept
        #expect(cache.fail("a", now: at(3_000), allowStale: true) == nil)  // failed at the window's end
        #expect(cache.count == 0)
    }

    @Test("an error the caller does not consider 'use stale' gives nil but keeps the entry")
    func failStaleNotAllowed() {
        var cache = cache(.init(timeToLive: .seconds(1), staleIfErrorFor: .seconds(10)))
        #expect(cache.lookup("a", now: at(1_000)) == .fetch)
        #expect(cache.fail("a", now: at(1_100), allowStale: false) == nil)
        #expect(cache.count == 1)
        #expect(cache.lookup("a", now: at(1_200)) == .fetch)
        #expect(cache.fail("a", now: at(1_300), allowStale: true) == "old")
    }

    // MARK: Size

    @Test("a full cache evicts the least recently used entry; a hit refreshes recency")
    func lruEviction() {
        var cache = Cache(policy: .init(timeToLive: .seconds(60), maxEntries: 3))
        for (index, key) in ["a", "b", "c"].enumerated() {
            #expect(cache.lookup(key, now: at(index)) == .fetch)
            cache.complete(key, value: key.uppercased(), now: at(index))
        }
        #expect(cache.count == 3)
        #expect(cache.lookup("a", now: at(10)) == .hit("A"))  // "a" is now the most recent; "b" the least

        #expect(cache.lookup("d", now: at(11)) == .fetch)
        cache.complete("d", value: "D", now: at(12))
        #expect(cache.count == 3)
        #expect(cache.lookup("a", now: at(13)) == .hit("A"))
        #expect(cache.lookup("c", now: at(14)) == .hit("C"))
        #expect(cache.lookup("d", now: at(15)) == .hit("D"))
        #expect(cache.lookup("b", now: at(16)) == .fetch)  // evicted

        // Order of use is now a, c, d: storing "b" evicts "a".
        cache.complete("b", value: "B", now: at(17))
        #expect(cache.count == 3)
        #expect(cache.lookup("a", now: at(18)) == .fetch)
    }

    @Test("replacing a key's value in a full cache evicts nothing")
    func replaceDoesNotEvict() {
        var cache = Cache(policy: .init(maxEntries: 2))
        cache.update("a", value: "A", now: at(0))
        cache.update("b", value: "B", now: at(1))
        cache.update("a", value: "A2", now: at(2))
        #expect(cache.count == 2)
        #expect(cache.lookup("a", now: at(3)) == .hit("A2"))
        #expect(cache.lookup("b", now: at(4)) == .hit("B"))
    }

    // MARK: Invalidation and write-through

    @Test("invalidate removes an entry; invalidateAll removes them all")
    func invalidate() {
        var cache = Cache(policy: .init())
        cache.update("a", value: "A", now: at(0))
        cache.update("b", value: "B", now: at(0))
        cache.invalidate("a")
        #expect(cache.count == 1)
        #expect(cache.lookup("a", now: at(1)) == .fetch)
        #expect(cache.lookup("b", now: at(2)) == .hit("B"))
        cache.invalidateAll()
        #expect(cache.count == 0)
        #expect(cache.lookup("b", now: at(3)) == .fetch)
    }

    @Test("an invalidation during a flight keeps that fetch's result out of the cache")
    func invalidateDuringFlight() {
        var cache = Cache(policy: .init())
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        cache.invalidate("a")
        #expect(cache.isInFlight("a"))  // the leader still ends its flight
        #expect(cache.lookup("a", now: at(1)) == .wait)  // one flight per key: later lookups join it
        let stored = cache.complete("a", value: "outdated", now: at(2))
        #expect(!stored)  // the caller still hands "outdated" to the waiters
        #expect(!cache.isInFlight("a"))
        #expect(cache.count == 0)
        #expect(cache.lookup("a", now: at(3)) == .fetch)  // the next fetch is stored normally
        let storedFresh = cache.complete("a", value: "fresh", now: at(4))
        #expect(storedFresh)
        #expect(cache.lookup("a", now: at(5)) == .hit("fresh"))
    }

    @Test("invalidateAll during flights keeps every one of their results out of the cache")
    func invalidateAllDuringFlight() {
        var cache = Cache(policy: .init())
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        #expect(cache.lookup("b", now: at(0)) == .fetch)
        cache.invalidateAll()
        #expect(cache.isInFlight("a") && cache.isInFlight("b"))
        let storedA = cache.complete("a", value: "A", now: at(1))
        let storedB = cache.complete("b", value: "B", now: at(1))
        #expect(!storedA)
        #expect(!storedB)
        #expect(cache.count == 0)
    }

    @Test("update replaces the value and restarts its time to live")
    func updateWriteThrough() {
        var cache = cache(.init(timeToLive: .seconds(1)))
        cache.update("a", value: "new", now: at(800))
        #expect(cache.count == 1)
        #expect(cache.lookup("a", now: at(1_000)) == .hit("new"))  // would have expired at 1 s
        #expect(cache.lookup("a", now: at(1_799)) == .hit("new"))
        #expect(cache.lookup("a", now: at(1_800)) == .fetch)
    }

    @Test("an update during a flight wins over the fetch's older result")
    func updateDuringFlight() {
        var cache = Cache(policy: .init())
        #expect(cache.lookup("a", now: at(0)) == .fetch)
        cache.update("a", value: "written", now: at(1))
        #expect(cache.lookup("a", now: at(2)) == .hit("written"))  // the written value serves at once
        let stored = cache.complete("a", value: "read-before-write", now: at(3))
        #expect(!stored)
        #expect(cache.lookup("a", now: at(4)) == .hit("written"))
    }

    // MARK: Policy

    @Test("the default policy is valid")
    func defaultPolicy() throws {
        let policy = Cache.Policy()
        #expect(policy.timeToLive == .seconds(30))
        #expect(policy.maxEntries == 1000)
        #expect(policy.staleIfErrorFor == nil)
        try policy.validate()
        try Cache.Policy(timeToLive: .nanoseconds(1), maxEntries: 1, staleIfErrorFor: .zero).validate()
    }

    @Test(
        "an invalid cache policy is a configuration error",
        arguments: [
            Cache.Policy(timeToLive: .zero),
            Cache.Policy(timeToLive: .seconds(-1)),
            Cache.Policy(maxEntries: 0),
            Cache.Policy(maxEntries: -5),
            Cache.Policy(staleIfErrorFor: .milliseconds(-1)),
        ]
    )
    func policyValidation(policy: Cache.Policy) {
        #expect(throws: ResilienceConfigurationError.self) { try policy.validate() }
    }

    // MARK: Versions

    @Test("a versioned change applies only above the last version applied, also after a drop")
    func versionsOrderChanges() {
        var cache = cache(.init(timeToLive: .seconds(60)))
        let newer = cache.update("a", value: "v5", now: at(1), version: 5)
        let late = cache.invalidate("a", version: 4)  // late, older: ignored
        #expect(newer && !late)
        #expect(cache.lookup("a", now: at(2)) == .hit("v5"))
        let drop = cache.invalidate("a", version: 6)
        let stale = cache.update("a", value: "v5 again", now: at(3), version: 5)  // older than the drop
        #expect(drop && !stale)
        #expect(cache.lookup("a", now: at(4)) == .fetch)
        #expect(cache.version(of: "a") == 6)
        let unversioned = cache.update("a", value: "unversioned", now: at(5))  // no version: always applies
        #expect(unversioned)
        #expect(cache.lookup("a", now: at(6)) == .hit("unversioned"))
    }

    @Test("versions of keys without entries are forgotten past four times maxEntries")
    func versionsAreBounded() {
        var cache = Cache(policy: .init(timeToLive: .seconds(60), maxEntries: 2))
        for index in 0..<9 { cache.invalidate("k\(index)", version: 1) }
        #expect(cache.version(of: "k0") == nil)
        #expect(cache.version(of: "k8") == 1)
    }
}
