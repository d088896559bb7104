/// Decides when the server hands freed memory back to the system (``ZeroMQ/FreedMemory``): after
/// a burst, never per message. A release walks the allocator's free lists: from well under a
/// millisecond to tens of milliseconds on a heap fragmented by a large burst.
///
/// A burst is ``burstBytes`` of request and response payloads. Two moments follow one:
/// - the calls in flight fall back to zero (the burst's requests and answers are freed): one
///   release per burst;
/// - a client disconnects (libzmq frees what it still queued for it, up to its high-water mark,
///   a moment later): after a burst of responses, departures release, at most once per
///   ``departureInterval`` (a departure inside it is released at its end), until a release finds
///   nothing left to hand back. The server cannot tell which client's queue held the burst, so
///   the first departures may be other clients'.
///
/// Each release runs at least ``delay`` after its trigger, so libzmq's I/O thread has freed the
/// departed client's queue by then; triggers while one is scheduled share it.
///
/// ```swift
/// var release = MemoryRelease()
/// release.received(bytes: 16 << 20)
/// if let at = release.becameIdle(now: .now) { timers.schedule(.releaseMemory, at: at) }
/// // at `at`: release.released(handedBack: FreedMemory.release(), now: .now)
/// ```
struct MemoryRelease {
    typealias Instant = ContinuousClock.Instant

    /// Payload bytes through the server that make a burst.
    static let burstBytes = 8 << 20
    /// How long after a trigger the release runs, at least.
    static let delay = Duration.milliseconds(100)
    /// The least time between two releases for departures.
    static let departureInterval = Duration.seconds(1)

    /// Request and response bytes since the last release when idle.
    private var bytesSinceIdleRelease = 0
    /// Response bytes since departures last found nothing to hand back.
    private var responseBytesForDepartures = 0
    private var lastDepartureRelease: Instant?
    /// When the scheduled release runs; nil when none is scheduled.
    private var scheduledAt: Instant?
    /// Whether the scheduled release covers a departure (runs at least ``delay`` after it).
    private var scheduledForDeparture = false
    /// A departure came too soon for the scheduled release: it is looked at again after it.
    private var departureWaiting = false

    /// A request of `bytes` was read.
    mutating func received(bytes: Int) {
        bytesSinceIdleRelease &+= bytes
    }

    /// A response of `bytes` was queued for a client.
    mutating func answered(bytes: Int) {
        bytesSinceIdleRelease &+= bytes
        responseBytesForDepartures &+= bytes
    }

    /// The calls in flight fell to zero.
    ///
    /// - Returns: When to release, if a burst passed and no release is scheduled.
    /// - Parameter now: The time, read only when a burst passed (this runs after every call).
    mutating func becameIdle(now: @autoclosure () -> Instant) -> Instant? {
        guard bytesSinceIdleRelease >= Self.burstBytes else { return nil }
        bytesSinceIdleRelease = 0
        guard scheduledAt == nil else { return nil }
        let at = now().advanced(by: Self.delay)
        scheduledAt = at
        return at
    }

    /// A client disconnected.
    ///
    /// - Returns: When to release, if a burst of responses was queued since departures last found
    ///   nothing to hand back, and no release late enough is scheduled.
    mutating func clientLeft(now: Instant) -> Instant? {
        guard responseBytesForDepartures >= Self.burstBytes else { return nil }
        var earliest = now.advanced(by: Self.delay)
        if let last = lastDepartureRelease { earliest = max(earliest, last.advanced(by: Self.departureInterval)) }
        if let scheduledAt {
            if scheduledAt >= earliest { scheduledForDeparture = true } else { departureWaiting = true }
            return nil
        }
        scheduledAt = earliest
        scheduledForDeparture = true
        return earliest
    }

    /// The scheduled release ran; `handedBack` is whether it gave any memory back.
    ///
    /// - Returns: When to release again, for a departure that came while it was scheduled.
    mutating func released(handedBack: Bool, now: Instant) -> Instant? {
        scheduledAt = nil
        if scheduledForDeparture {
            scheduledForDeparture = false
            lastDepartureRelease = now
            if !handedBack { responseBytesForDepartures = 0 }
        }
        guard departureWaiting else { return nil }
        departureWaiting = false
        return clientLeft(now: now)
    }
}
