/// Deadlines with keys, for the loop thread's timers (call deadlines).
///
/// Calls share a few timeouts, so deadlines are mostly scheduled in order: those go to the back of
/// a sorted array (a timer a little earlier than the last one is slid into place), and only a
/// deadline well before the latest ones goes to a min-heap. Both ends are cheap that way: a
/// timer costs an append and, at expiry or once stale, an index step.
///
/// Timers are not removed when their call completes: ``dropStale(where:live:)`` discards them once
/// they reach the front, so a finished call's deadline never wakes the loop, and rebuilds the queue
/// without them once they outnumber the live ones, so it stays as small as the calls in flight.
/// Keys should be plain values (an id, not a struct holding references): the queue copies them.
struct TimerQueue<Key> {
    private typealias Timer = (deadline: ContinuousClock.Instant, key: Key)

    /// Timers in deadline order; those before `head` are gone.
    private var ordered: [Timer] = []
    private var head = 0
    /// Timers scheduled too far before the latest ordered one to slide into place.
    private var heap: [Timer] = []

    /// How far back from the end of the ordered timers a new one may be slid into place.
    private static var maxSlide: Int { 16 }

    /// The earliest deadline, if any.
    var nextDeadline: ContinuousClock.Instant? {
        switch (head < ordered.count ? ordered[head].deadline : nil, heap.first?.deadline) {
        case (let first?, let second?): min(first, second)
        case (let first, let second): first ?? second
        }
    }

    var isEmpty: Bool { count == 0 }

    /// The timers held, stale ones included.
    var count: Int { ordered.count - head + heap.count }

    mutating func schedule(_ key: Key, at deadline: ContinuousClock.Instant) {
        var position = ordered.count
        while position > head, ordered.count - position < Self.maxSlide, deadline < ordered[position - 1].deadline {
            position -= 1
        }
        if position == ordered.count {
            ordered.append((deadline, key))
        } else if position == head || deadline >= ordered[position - 1].deadline {
            ordered.insert((deadline, key), at: position)
        } else {
            heap.append((deadline, key))
            siftUp(heap.count - 1)
        }
    }

    /// Discards timers at the front for which `isStale` is true, and rebuilds the queue without
    /// any stale timer once it holds more than twice `live` (plus a margin).
    ///
    /// - Parameters:
    ///   - isStale: Whether a timer's call is finished.
    ///   - live: How many timers are still wanted (the calls in flight).
    mutating func dropStale(where isStale: (Key) -> Bool, live: Int) {
        if count > 2 * live + 64 {
            ordered = ordered[head...].filter { !isStale($0.key) }
            head = 0
            heap.removeAll { isStale($0.key) }
            var index = heap.count / 2
            while index > 0 {
                index -= 1
                siftDown(index)
            }
        }
        while head < ordered.count, isStale(ordered[head].key) {
            advanceHead()
        }
        while let first = heap.first, isStale(first.key) {
            removeHeapFirst()
        }
    }

    /// Removes and returns the keys whose deadline is at or before `now`, earliest first.
    mutating func popExpired(now: ContinuousClock.Instant) -> [Key] {
        var expired: [Key] = []
        while true {
            let orderedFirst = head < ordered.count && ordered[head].deadline <= now ? ordered[head] : nil
            let heapFirst = heap.first.flatMap { $0.deadline <= now ? $0 : nil }
            if let orderedFirst, heapFirst.map({ orderedFirst.deadline <= $0.deadline }) ?? true {
                expired.append(orderedFirst.key)
                advanceHead()
            } else if let heapFirst {
                expired.append(heapFirst.key)
                removeHeapFirst()
            } else {
                return expired
            }
        }
    }

    /// Steps past the first ordered timer; drops the spent prefix once it is most of the array.
    private mutating func advanceHead() {
        head += 1
        if head == ordered.count {
            ordered.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= ordered.count {
            ordered.removeFirst(head)
            head = 0
        }
    }

    private mutating func removeHeapFirst() {
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
