/// The directory's entries: which server instances host which services, where, whether they take
/// new calls, and until when their lease runs. A value with no I/O and no clock of its own.
struct DirectoryTable {
    struct Entry: Equatable {
        var services: Set<String>
        var endpoints: [String]
        var accepting: Bool
        var expires: ContinuousClock.Instant
    }

    private(set) var entries: [String: Entry] = [:]
    /// Bumped by every change a watcher could see.
    private(set) var version: UInt64 = 0

    /// Applies an announcement received at `now`, granting `lease`.
    mutating func apply(_ announcement: Zrpc_Directory_Announcement, lease: Duration, now: ContinuousClock.Instant) {
        if announcement.withdraw {
            if entries.removeValue(forKey: announcement.instance) != nil { version += 1 }
            return
        }
        let entry = Entry(
            services: Set(announcement.services),
            endpoints: announcement.endpoints,
            accepting: announcement.accepting,
            expires: now.advanced(by: lease)
        )
        let before = entries[announcement.instance]
        entries[announcement.instance] = entry
        if before.map({
            $0.services != entry.services || $0.endpoints != entry.endpoints || $0.accepting != entry.accepting
        })
            ?? true
        {
            version += 1
        }
    }

    /// Drops the entries whose lease ran out by `now` (their servers stopped announcing).
    mutating func expire(now: ContinuousClock.Instant) {
        let expired = entries.filter { $0.value.expires <= now }.map(\.key)
        guard !expired.isEmpty else { return }
        for instance in expired { entries.removeValue(forKey: instance) }
        version += 1
    }

    /// The endpoints of the live instances that host `service` and take new calls, sorted.
    func endpoints(for service: String) -> [String] {
        Array(Set(entries.values.filter { $0.accepting && $0.services.contains(service) }.flatMap(\.endpoints)))
            .sorted()
    }

    /// When the next lease runs out, if any.
    var nextExpiry: ContinuousClock.Instant? {
        entries.values.map(\.expires).min()
    }
}
