import Synchronization

/// Wakes a timer loop early: the loop waits until its next due time or until someone rings for an
/// earlier time, whichever comes first. No polling: a ring wakes the loop only when it is earlier
/// than what the loop is already waiting for.
final class Doorbell: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        /// When the waiting loop will wake anyway.
        var plannedWake: UnixMillis = .max
        /// A ring that came while nobody waited.
        var pending = false
    }

    private let state = Mutex(State())

    /// Wakes the loop if `time` is earlier than the time it will wake at anyway.
    func ring(at time: UnixMillis) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard time < state.plannedWake else { return nil }
            state.plannedWake = time
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits for `duration`, or less when ``ring(at:)`` asks for an earlier wake, or until the
    /// task is cancelled.
    func wait(for duration: Duration, wakingAt planned: UnixMillis) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForRing(planned: planned) }
            await group.next()
            group.cancelAll()
        }
        state.withLock { $0.plannedWake = .max }
    }

    private func waitForRing(planned: UnixMillis) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.plannedWake = planned
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
