import Synchronization

/// The outcome of `task`, or nil if it has not finished within `timeout` (the task goes on).
///
/// Awaiting an unstructured task's value cannot be cancelled, so a task group racing it against a
/// timer would still wait for it; this resumes on whichever comes first instead.
func outcome<Success: Sendable>(
    of task: Task<Success, any Error>,
    within timeout: Duration
) async -> Result<Success, any Error>? {
    let first = FirstOf<Result<Success, any Error>?>()
    return await first.value { settle in
        let waiter = Task { settle(await task.result) }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            settle(nil)
        }
        return {
            waiter.cancel()
            timer.cancel()
        }
    }
}

/// A value settled once, by the first of several racing sources.
private final class FirstOf<Value: Sendable>: Sendable {
    private struct State {
        var settled: Value??
        var continuation: CheckedContinuation<Value, Never>?
    }

    private let state = Mutex(State())

    /// Starts the sources (`start` gets the settle function and returns how to stop them) and
    /// returns the first value settled.
    func value(_ start: (@escaping @Sendable (Value) -> Void) -> (@Sendable () -> Void)) async -> Value {
        var stop: (@Sendable () -> Void)?
        let value = await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            state.withLock { $0.continuation = continuation }
            stop = start { self.settle($0) }
        }
        stop?()
        return value
    }

    private func settle(_ value: Value) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard state.settled == nil else { return nil }
            state.settled = .some(value)
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: value)
    }
}
