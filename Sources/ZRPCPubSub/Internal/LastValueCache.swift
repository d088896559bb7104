internal import ZeroMQ

/// The forwarder's last-value cache: the last message of every topic under its cached prefixes
/// (header and payload frames as received, shared with libzmq rather than copied), at most
/// `capacity` topics; a topic first seen when it is full is not cached (and counted).
struct LastValueCache {
    struct Entry {
        var header: Frame
        var payload: Frame
    }

    /// The prefixes cached (application topics only: never a `~` topic).
    let prefixes: [[UInt8]]
    let capacity: Int
    private(set) var entries: [[UInt8]: Entry] = [:]
    /// Messages whose topic was not cached because the cache was full.
    private(set) var refused = 0

    init(prefixes: [String], capacity: Int) {
        self.prefixes = prefixes.map { Array($0.utf8) }
        self.capacity = max(0, capacity)
    }

    var isEnabled: Bool { !prefixes.isEmpty }

    /// Keeps the message if its topic is under a cached prefix.
    ///
    /// - Returns: Whether it was refused for want of room (the first refusal of a burst is logged).
    mutating func record(topic: Frame, header: Frame, payload: Frame) -> Bool {
        let key = topic.withUnsafeBytes { bytes -> [UInt8]? in
            guard bytes.first != PubSubWire.reservedFirstByte,
                prefixes.contains(where: { bytes.starts(with: $0) })
            else { return nil }
            return Array(bytes)
        }
        guard let key else { return false }
        if entries[key] == nil, entries.count >= capacity {
            refused += 1
            return true
        }
        entries[key] = Entry(header: header, payload: payload)
        return false
    }

    /// The entries whose topic starts with `prefix` (and lies under a cached prefix), by topic.
    func entries(matching prefix: [UInt8]) -> [(topic: [UInt8], entry: Entry)] {
        entries.filter { $0.key.starts(with: prefix) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { (topic: $0.key, entry: $0.value) }
    }
}
