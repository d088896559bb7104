/// A min-heap of deadlines with keys, for the loop thread's timers (call deadlines).
///
/// Timers are not removed when their call completes: ``dropStale(where:live:)`` discards them once
/// they reach the front, so a finished call's deadline never wakes the loop, and rebuilds the heap
/// without them once they outnumber the live ones, so the heap stays as small as the calls in
/// flight. Keys should be plain values (an id, not a struct holding references): the heap moves
/// them on every operation.
struct TimerQueue<Key> {
    private var heap: [(deadline: ContinuousClock.Instant, key: Key)] = []

    /// The earliest deadline, if any.
    var nextDeadline: ContinuousClock.Instant? { heap.first?.deadline }

    var isEmpty: Bool { heap.isEmpty }

    /// The timers held, stale ones included.
    var count: Int { heap.count }

    mutating func schedule(_ key: Key, at deadline: ContinuousClock.Instant) {
        heap.append((deadline, key))
        siftUp(heap.count - 1)
    }

    /// Discards timers at the front for which `isStale` is true, and rebuilds the heap without
    /// any stale timer once it holds more than twice `live` (plus a margin).
    ///
    /// - Parameters:
    ///   - isStale: Whether a timer's call is finished.
    ///   - live: How many timers are still wanted (the calls in flight).
    mutating func dropStale(where isStale: (Key) -> Bool, live: Int) {
        if heap.count > 2 * live + 64 {
            heap.removeAll { isStale($0.key) }
            var index = heap.count / 2
            while index > 0 {
                index -= 1
                siftDown(index)
            }
        }
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
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
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
