import Synchronization

/// Continuations parked in a lock-protected state until something resumes them: the one shape
/// behind "wait until the server stops", "wait for a bulkhead permit" and "wait for the cache's
/// fetch".
///
/// Keep it inside the state of a `Mutex`: decide whether to park, and park, under the lock (so
/// no event can slip in between), take continuations out under the lock, and resume them after
/// the lock is released. Each waiter has a ticket, unique in the process, so one can be taken
/// out alone when its caller gives up (cancelled, timed out) without touching the others.
///
/// ```swift
/// let ticket = WaiterTicket.next()
/// try await withTaskCancellationHandler {
///     try await withCheckedThrowingContinuation { continuation in
///         state.withLock { $0.waiters.park(continuation, ticket: ticket) }
///     }
/// } onCancel: {
///     state.withLock { $0.waiters.take(ticket) }?.resume(throwing: CancellationError())
/// }
/// // elsewhere: for waiter in state.withLock({ $0.waiters.takeAll() }) { waiter.resume() }
/// ```
struct Waiters<Success, Failure: Error> {
    /// A parked caller's continuation.
    typealias Continuation = CheckedContinuation<Success, Failure>

    private var parked: [WaiterTicket: Continuation] = [:]

    /// Creates an empty set of waiters.
    init() {}

    /// How many callers are parked.
    var count: Int { parked.count }

    /// Whether no caller is parked.
    var isEmpty: Bool { parked.isEmpty }

    /// Whether the caller holding `ticket` is parked here.
    ///
    /// - Parameter ticket: The caller's ticket.
    func contains(_ ticket: WaiterTicket) -> Bool {
        parked[ticket] != nil
    }

    /// Parks a caller under `ticket` (a fresh one by default).
    ///
    /// - Parameters:
    ///   - continuation: What resumes the caller.
    ///   - ticket: The caller's ticket; must not be parked already.
    /// - Returns: The ticket.
    @discardableResult
    mutating func park(_ continuation: Continuation, ticket: WaiterTicket = .next()) -> WaiterTicket {
        precondition(parked.updateValue(continuation, forKey: ticket) == nil, "a waiter ticket was parked twice")
        return ticket
    }

    /// Takes out the caller holding `ticket`, if it is still parked.
    ///
    /// - Parameter ticket: The caller's ticket.
    /// - Returns: Its continuation, to resume after the lock is released.
    mutating func take(_ ticket: WaiterTicket) -> Continuation? {
        parked.removeValue(forKey: ticket)
    }

    /// Takes out the caller parked first (O(n): for rare hand-overs).
    ///
    /// - Returns: Its continuation, or nil when none is parked.
    mutating func takeOldest() -> Continuation? {
        guard let oldest = parked.keys.min() else { return nil }
        return parked.removeValue(forKey: oldest)
    }

    /// Takes out every parked caller.
    ///
    /// - Returns: Their continuations, to resume after the lock is released.
    mutating func takeAll() -> [Continuation] {
        defer { parked.removeAll() }
        return Array(parked.values)
    }
}

/// Identifies one parked caller in ``Waiters``; tickets are handed out in increasing order and
/// never repeat in a process, so a ticket that outlived its waiter can never take out another.
struct WaiterTicket: Hashable, Comparable, Sendable {
    /// The ticket's number (a bulkhead queues calls by it).
    let rawValue: UInt64

    /// The last ticket handed out in this process.
    private static let source = Atomic<UInt64>(0)

    /// A ticket no one has held before.
    static func next() -> WaiterTicket {
        WaiterTicket(rawValue: source.add(1, ordering: .relaxed).newValue)
    }

    /// Earlier tickets first.
    static func < (lhs: WaiterTicket, rhs: WaiterTicket) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
