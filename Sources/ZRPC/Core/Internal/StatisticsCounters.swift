import Synchronization

/// Counters kept together as one snapshot value behind a lock: the mechanism under
/// ``ClientStatistics`` and ``ServerStatistics``, which only name their counters (the snapshot's
/// fields) and map their events onto them.
///
/// ```swift
/// let counters = StatisticsCounters(ServerStatistics.Snapshot())
/// counters.add((\.rejectedCalls, 1))
/// counters.snapshot.rejectedCalls   // 1
/// ```
final class StatisticsCounters<Snapshot: Sendable>: Sendable {
    private let value: Mutex<Snapshot>

    /// Creates counters starting at `zero`.
    ///
    /// - Parameter zero: The snapshot with every counter at its start.
    init(_ zero: Snapshot) {
        value = Mutex(zero)
    }

    /// Adds to one or more counters at once (a reader sees all of them or none).
    ///
    /// - Parameter increments: Each counter and what to add to it.
    func add(_ increments: (WritableKeyPath<Snapshot, Int>, Int)...) {
        value.withLock { snapshot in
            for (counter, amount) in increments { snapshot[keyPath: counter] += amount }
        }
    }

    /// The counters now.
    var snapshot: Snapshot { value.withLock { $0 } }
}
