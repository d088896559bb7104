import Testing

@testable import ZRPC

/// When the server hands freed memory back: once after a burst, never per message.
@Suite("Memory release after a burst")
struct MemoryReleaseTests {
    static let start = ContinuousClock.now

    @Test("calls in flight back to zero release once per burst, not after small traffic")
    func idleAfterBurst() {
        var release = MemoryRelease()
        release.received(bytes: 1_000)
        let outcome1 = release.becameIdle(now: Self.start)
        #expect(outcome1 == nil)
        release.received(bytes: MemoryRelease.burstBytes / 2)
        release.answered(bytes: MemoryRelease.burstBytes / 2)
        let at = release.becameIdle(now: Self.start)
        #expect(at == Self.start.advanced(by: MemoryRelease.delay))
        release.received(bytes: MemoryRelease.burstBytes)
        let outcome2 = release.becameIdle(now: Self.start)
        #expect(outcome2 == nil, "one release is scheduled already")
        let next = release.released(handedBack: true, now: Self.start.advanced(by: MemoryRelease.delay))
        #expect(next == nil)
        let outcome3 = release.becameIdle(now: Self.start.advanced(by: .seconds(1)))
        #expect(outcome3 == nil, "nothing since")
    }

    @Test("after a burst of responses departures release, once a second, until one finds nothing")
    func departuresAfterBurst() {
        var release = MemoryRelease()
        let outcome4 = release.clientLeft(now: Self.start)
        #expect(outcome4 == nil, "no burst yet")
        release.answered(bytes: MemoryRelease.burstBytes)
        let first = Self.start.advanced(by: MemoryRelease.delay)
        let outcome5 = release.clientLeft(now: Self.start)
        #expect(outcome5 == first)
        let outcome6 = release.released(handedBack: true, now: first)
        #expect(outcome6 == nil)
        // A departure inside the interval is released at its end.
        let second = first.advanced(by: MemoryRelease.departureInterval)
        let outcome7 = release.clientLeft(now: first.advanced(by: .milliseconds(500)))
        #expect(outcome7 == second)
        let outcome8 = release.released(handedBack: false, now: second)
        #expect(outcome8 == nil)
        let outcome9 = release.clientLeft(now: second.advanced(by: .seconds(5)))
        #expect(outcome9 == nil, "nothing was left to hand back")
    }

    @Test("a departure while an earlier release is scheduled gets a release of its own after it")
    func departureWhileScheduled() {
        var release = MemoryRelease()
        release.answered(bytes: MemoryRelease.burstBytes)
        let idle = release.becameIdle(now: Self.start)
        #expect(idle == Self.start.advanced(by: MemoryRelease.delay))
        // 50 ms later a client leaves: the idle release runs too soon for its queue.
        let departure = Self.start.advanced(by: .milliseconds(50))
        let outcome10 = release.clientLeft(now: departure)
        #expect(outcome10 == nil)
        let runAt = Self.start.advanced(by: MemoryRelease.delay)
        let outcome11 = release.released(handedBack: true, now: runAt)
        #expect(outcome11 == runAt.advanced(by: MemoryRelease.delay))
    }
}
