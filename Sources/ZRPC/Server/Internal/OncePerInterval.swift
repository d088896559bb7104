/// Decides which events to log so that each key (a client) is logged at most once per interval,
/// however often it hits a limit; the events in between are counted and reported with the next
/// line logged for that key.
///
/// `package`: the pub/sub forwarder logs refused publishers with it too.
/// A value with no clock of its own (the caller passes `now`), so it is tested without sleeping.
/// It keeps at most `capacity` keys: once full, keys whose interval has passed are forgotten, and a
/// new key that still finds no room is not logged (the server's counters still count it).
package struct OncePerInterval<Key: Hashable> {
    private struct Entry {
        var loggedAt: ContinuousClock.Instant
        var suppressed: Int
    }

    package let interval: Duration
    package let capacity: Int
    private var entries: [Key: Entry] = [:]

    package init(interval: Duration, capacity: Int = 1024) {
        self.interval = interval
        self.capacity = capacity
    }

    /// Records an event for `key`.
    ///
    /// - Returns: nil when the event is not to be logged; otherwise how many events of this key
    ///   were not logged since its last line.
    package mutating func record(_ key: Key, now: ContinuousClock.Instant) -> Int? {
        if var entry = entries[key] {
            guard now - entry.loggedAt >= interval else {
                entry.suppressed += 1
                entries[key] = entry
                return nil
            }
            entries[key] = Entry(loggedAt: now, suppressed: 0)
            return entry.suppressed
        }
        if entries.count >= capacity {
            entries = entries.filter { now - $0.value.loggedAt < interval }
            guard entries.count < capacity else { return nil }
        }
        entries[key] = Entry(loggedAt: now, suppressed: 0)
        return 0
    }
}
