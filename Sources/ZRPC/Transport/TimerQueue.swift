/// A min-heap of deadlines with keys, for the loop thread's timers (call deadlines).
///
/// Timers are not removed when their call completes; ``dropStale(where:)`` discards them once they
/// reach the front, so a finished call's deadline never wakes the loop.
struct TimerQueue<Key> {
    private var heap: [(deadline: ContinuousClock.Instant, key: Key)] = []

    /// The earliest deadline, if any.
    var nextDeadline: ContinuousClock.Instant? { heap.first?.deadline }

    var isEmpty: Bool { heap.isEmpty }

    mutating func schedule(_ key: Key, at deadline: ContinuousClock.Instant) {
        heap.append((deadline, key))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Discards timers at the front for which `isStale` is true.
    mutating func dropStale(where isStale: (Key) -> Bool) {
        while let first = heap.first, isStale(first.key) {
            removeFirst()
        }
    }

    /// Removes and returns the keys whose deadline is at or before `now`.
    mutating func popExpired(now: ContinuousClock.Instant) -> [Key] {
        var expired: [Key] = []
        while let first = heap.first, first.deadline <= now {
            expired.append(first.key)
            removeFirst()
        }
        return expired
    }

    private mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = parent * 2 + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
