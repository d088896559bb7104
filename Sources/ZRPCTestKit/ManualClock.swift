import Synchronization

/// A clock tests move by hand: ``now`` changes only through ``advance(by:)``, and ``sleep(for:)``
/// returns when the clock has been advanced past its deadline. Pass `clock.now` and `clock.sleep`
/// to resilience layers (`CircuitBreakerInterceptor(now:)`, `RetryInterceptor(sleep:)`,
/// `HedgingInterceptor(now:sleep:)`, `CacheInterceptor(now:)`) to test them without waiting.
///
/// ```swift
/// let clock = ManualClock()
/// let breaker = try CircuitBreakerInterceptor(policy: policy, now: { clock.now })
/// clock.advance(by: .seconds(30))     // the breaker's open period is over
///
/// let hedging = try HedgingInterceptor(now: { clock.now }, sleep: { await clock.sleep(for: $0) })
/// await clock.waitForSleepers(1)      // its timer is set: advancing now fires it on time
/// ```
public final class ManualClock: Sendable {
    private struct Sleeper {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Tasks in ``waitForSleepers(_:timeout:)``: each waits for `count` sleepers.
        var sleeperWaiters: [(id: UInt64, count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let state: Mutex<State>

    /// Creates a clock that starts at the real clock's present.
    public init() {
        state = Mutex(State(now: .now))
    }

    /// The clock's time.
    public var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// Moves time forward and wakes the sleepers whose deadline has come.
    ///
    /// - Parameter duration: How far.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Suspends until the clock has been advanced by `duration`, or the task is cancelled
    /// (then it returns early, as `Task.sleep` throws: a cancelled sleeper never lingers).
    ///
    /// - Parameter duration: How long, in this clock's time.
    public func sleep(for duration: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (resumeNow, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Bool, Never>]) in
                    let deadline = state.now.advanced(by: duration)
                    if deadline <= state.now || Task.isCancelled { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let count = state.sleepers.count
                    let ready = state.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
                    state.sleeperWaiters.removeAll { $0.count <= count }
                    return (false, ready)
                }
                if resumeNow { continuation.resume() }
                for waiter in waiters { waiter.resume(returning: true) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index).continuation
            }
            cancelled?.resume()
        }
    }

    /// How many tasks are sleeping on this clock.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Waits until at least `count` tasks sleep on this clock: then their deadlines are set, and
    /// ``advance(by:)`` wakes each exactly when its time comes.
    ///
    /// ```swift
    /// let task = Task { await clock.sleep(for: .seconds(1)) }
    /// #expect(await clock.waitForSleepers(1))
    /// clock.advance(by: .seconds(1))      // wakes it
    /// ```
    ///
    /// - Parameters:
    ///   - count: How many sleepers to wait for.
    ///   - timeout: Real time after which to give up, so a test that goes wrong fails instead of hanging.
    /// - Returns: Whether `count` tasks slept before `timeout` passed.
    @discardableResult
    public func waitForSleepers(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.state.withLock { state -> Bool in
                        if state.sleepers.count >= count { return true }
                        state.sleeperWaiters.append((id, count, continuation))
                        return false
                    }
                    if ready { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard let index = state.sleeperWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.sleeperWaiters.remove(at: index).continuation
                }
                waiter?.resume(returning: false)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
