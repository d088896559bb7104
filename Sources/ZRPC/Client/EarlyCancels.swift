/// Cancels that reach a client's I/O thread before their call's start, kept until that start
/// comes — and only those, so the set stays as small as the calls between their id and their
/// start, and none is ever forgotten.
///
/// A cancel for a call that is not pending either came early (its start is still on the way:
/// the caller's task was cancelled as it submitted the call) or late (the call already ended).
/// Call ids are handed out in order (``CallIDGenerator``) and every id either starts or is
/// ``skip(_:)``ped, so "every id below `lowestNotStarted` has started, and so have those in
/// `startedAbove`" tells the two apart: a late cancel is dropped at once, an early one is kept
/// until its start arrives.
///
/// ```swift
/// var early = EarlyCancels()
/// early.cancel(7)              // 7 has not started: kept
/// early.start(7)               // true: fail call 7 at once
/// ```
struct EarlyCancels {
    /// Every id below this has started (or was skipped).
    private(set) var lowestNotStarted: UInt64 = 1
    /// Ids at or above `lowestNotStarted` that started out of order.
    private var startedAbove: Set<UInt64> = []
    /// Cancels for ids that have not started yet.
    private var cancelled: Set<UInt64> = []

    /// Creates the record for a client whose first call id is 1.
    init() {}

    /// How many cancels are waiting for their call's start.
    var count: Int { cancelled.count }

    /// Records that call `id` starts; returns whether it was cancelled before (then fail it at once).
    ///
    /// - Parameter id: The call's id.
    /// - Returns: Whether a cancel for it came first.
    mutating func start(_ id: UInt64) -> Bool {
        let wasCancelled = !cancelled.isEmpty && cancelled.remove(id) != nil  // no hashing in the usual case
        markStarted(id)
        return wasCancelled
    }

    /// Records that call id `id` will never start (the request could not be encoded).
    ///
    /// - Parameter id: The id.
    mutating func skip(_ id: UInt64) {
        if !cancelled.isEmpty { cancelled.remove(id) }
        markStarted(id)
    }

    /// Records a cancel for a call that is not pending: kept if the call has yet to start,
    /// dropped if it has started (and so ended).
    ///
    /// - Parameter id: The call's id.
    mutating func cancel(_ id: UInt64) {
        guard id >= lowestNotStarted, !startedAbove.contains(id) else { return }
        cancelled.insert(id)
    }

    private mutating func markStarted(_ id: UInt64) {
        guard id == lowestNotStarted else {
            if id > lowestNotStarted { startedAbove.insert(id) }
            return
        }
        lowestNotStarted += 1
        while !startedAbove.isEmpty, startedAbove.remove(lowestNotStarted) != nil {
            lowestNotStarted += 1
        }
    }
}
