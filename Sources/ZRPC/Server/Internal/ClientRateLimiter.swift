/// Calls per second per client, as a token bucket per client: a client may send a second's worth of
/// calls at once, then as many a second as the rate allows. A value with no I/O and no clock of its
/// own (the driver passes the time), so it is tested without sockets.
///
/// Memory is bounded by the clients of the last second: once there are more buckets than
/// ``sweepThreshold`` (at least 1,024), the full ones (clients quiet for a second or more) are
/// dropped, since a full bucket is what a new client gets anyway.
struct ClientRateLimiter<Peer: Hashable> {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Calls a second each client may make.
    let callsPerSecond: Int
    private var buckets: [Peer: Bucket] = [:]
    /// Buckets beyond which the next call sweeps the full ones.
    private(set) var sweepThreshold = 1_024

    /// Creates a limiter of `callsPerSecond` (at least 1) per client.
    init(callsPerSecond: Int) {
        self.callsPerSecond = max(1, callsPerSecond)
    }

    /// The clients with a bucket now.
    var trackedClients: Int { buckets.count }

    /// Whether `peer` may make a call at `now`; if so, the call is counted.
    mutating func allows(_ peer: Peer, now: ContinuousClock.Instant) -> Bool {
        let rate = Double(callsPerSecond)
        var bucket = buckets[peer] ?? Bucket(tokens: rate, updated: now)
        bucket.tokens = min(rate, bucket.tokens + Self.seconds(from: bucket.updated, to: now) * rate)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[peer] = bucket
        if buckets.count > sweepThreshold { sweep(now: now) }
        return allowed
    }

    /// Drops the buckets that are full by `now`.
    private mutating func sweep(now: ContinuousClock.Instant) {
        let rate = Double(callsPerSecond)
        buckets = buckets.filter { $0.value.tokens + Self.seconds(from: $0.value.updated, to: now) * rate < rate }
        sweepThreshold = max(1_024, buckets.count * 2)
    }

    private static func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: end)
        return max(0, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
