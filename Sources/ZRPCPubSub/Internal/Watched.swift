import Synchronization

/// A value several threads update, and tasks wait on until it satisfies a condition (a
/// publisher's subscriber count, a subscription's welcomes), with a timeout.
final class Watched<Value: Sendable>: Sendable {
    private struct Waiter {
        let isSatisfied: @Sendable (Value) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>
    private let waits = Atomic<Int>(0)

    init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    var value: Value { state.withLock { $0.value } }

    /// Whether a task is inside ``wait(until:timeout:whileWaiting:)`` now.
    var isAwaited: Bool { waits.load(ordering: .acquiring) > 0 }

    /// Changes the value and resumes the waiters it now satisfies.
    func update(_ body: (inout Value) -> Void) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            body(&state.value)
            let value = state.value
            let satisfied = state.waiters.filter { $0.value.isSatisfied(value) }
            for id in satisfied.keys { state.waiters[id] = nil }
            return satisfied.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Waits until `isSatisfied` holds, at most `timeout`.
    ///
    /// - Parameter whileWaiting: Called once ``isAwaited`` is true, before the wait begins (to tell
    ///   whoever feeds the value that someone waits).
    /// - Returns: Whether it held in time (false on timeout or cancellation).
    func wait(
        until isSatisfied: @escaping @Sendable (Value) -> Bool,
        timeout: Duration,
        whileWaiting: () -> Void = {}
    ) async -> Bool {
        if isSatisfied(value) { return true }
        waits.add(1, ordering: .releasing)
        defer { waits.subtract(1, ordering: .releasing) }
        whileWaiting()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(until: isSatisfied) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func wait(until isSatisfied: @escaping @Sendable (Value) -> Bool) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = state.withLock { state -> Bool? in
                    if isSatisfied(state.value) { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = Waiter(isSatisfied: isSatisfied, continuation: continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }
}
