import Testing

@testable import ZRPC

/// Calls a second per client (`Server.Configuration.maxCallsPerSecondPerClient`), with no sockets.
@Suite("Client rate limiter")
struct ClientRateLimiterTests {
    let start = ContinuousClock.now

    @Test("a second's worth at once, then the rate; each client has its own bucket")
    func burstThenRate() {
        var limiter = ClientRateLimiter<String>(callsPerSecond: 10)
        let allowed = (0..<15).filter { _ in limiter.allows("a", now: start) }.count
        #expect(allowed == 10)
        let other = limiter.allows("b", now: start)
        #expect(other)
        // Half a second later: five more for "a".
        let later = start.advanced(by: .milliseconds(500))
        #expect((0..<10).filter { _ in limiter.allows("a", now: later) }.count == 5)
        // A long pause fills the bucket to a second's worth, never more.
        let much = start.advanced(by: .seconds(60))
        #expect((0..<30).filter { _ in limiter.allows("a", now: much) }.count == 10)
    }

    @Test("thousands of clients come and go: only those of the last second keep a bucket")
    func boundedMemory() {
        var limiter = ClientRateLimiter<Int>(callsPerSecond: 100)
        for client in 0..<50_000 {
            // 1,000 new clients each millisecond-ish: 50 s of arrivals.
            let now = start.advanced(by: .milliseconds(client))
            let allowed = limiter.allows(client, now: now)
            #expect(allowed)
        }
        #expect(limiter.trackedClients <= 2_048)
        #expect(limiter.sweepThreshold <= 4_096)
    }
}
