import Synchronization

/// A clock tests move by hand: ``now`` changes only through ``advance(by:)``, and ``sleep(for:)``
/// returns when the clock has been advanced past its deadline. Pass `clock.now` and `clock.sleep`
/// to resilience layers (`CircuitBreakerInterceptor(now:)`, `RetryInterceptor(sleep:)`,
/// `CacheInterceptor(now:)`) to test them without waiting.
///
/// ```swift
/// let clock = ManualClock()
/// let breaker = try CircuitBreakerInterceptor(policy: policy, now: { clock.now })
/// clock.advance(by: .seconds(30))     // the breaker's open period is over
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
                let resumeNow = state.withLock { state -> Bool in
                    let deadline = state.now.advanced(by: duration)
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
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
}
