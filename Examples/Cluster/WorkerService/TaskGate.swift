import Synchronization

/// Counts the tasks a worker has in hand and lets it drain: once ``drain(within:)`` is called (or
/// ``close()``), no new task is let in, and the drain returns once the tasks in hand have finished (or
/// the time is up).
///
/// ```swift
/// let gate = TaskGate()
/// guard gate.enter() else { throw TaskFailure.retry("the worker is stopping") }
/// defer { gate.leave() }
/// // … run the task …
/// ```
public final class TaskGate: Sendable {
    private struct State {
        var inHand = 0
        var draining = false
        /// A drain's time ran out: nobody waits for the tasks in hand any more.
        var gaveUp = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Creates an open gate with no task in hand.
    public init() {}

    /// The tasks in hand now.
    public var inHand: Int { state.withLock { $0.inHand } }

    /// Lets a task in, unless the gate is draining.
    ///
    /// - Returns: Whether the task may run; when true, call ``leave()`` when it ends.
    public func enter() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.inHand += 1
            return true
        }
    }

    /// Ends a task that ``enter()`` let in.
    public func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inHand -= 1
            guard state.inHand == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Closes the gate: from now on ``enter()`` lets no task in. ``drain(within:)`` closes it too.
    public func close() {
        state.withLock { $0.draining = true }
    }

    /// Closes the gate and waits for the tasks in hand to end, `timeout` at most.
    ///
    /// - Parameter timeout: The longest wait.
    /// - Returns: Whether every task in hand ended in time.
    @discardableResult
    public func drain(within timeout: Duration) async -> Bool {
        close()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let idle = self.state.withLock { state -> Bool in
                        guard state.inHand > 0, !state.gaveUp else { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if idle { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let drained = await group.next() ?? false
            if !drained {
                // Lets the waiting child end; the tasks still in hand are left to the broker to redeliver.
                let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.gaveUp = true
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
            }
            group.cancelAll()
            return drained
        }
    }
}
