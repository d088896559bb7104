import Foundation
import Synchronization

/// Records what handlers did, and lets a test wait (bounded) for an event.
final class EventRecorder: Sendable {
    private struct State {
        var events: [String] = []
        var waiters: [(event: String, continuation: CheckedContinuation<Bool, Never>, id: UUID)] = []
    }

    private let state = Mutex(State())

    func record(_ event: String) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.events.append(event)
            let matching = state.waiters.filter { $0.event == event }
            state.waiters.removeAll { $0.event == event }
            return matching.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    var events: [String] { state.withLock { $0.events } }

    func contains(_ event: String) -> Bool { events.contains(event) }

    /// Waits until `event` has been recorded; false if `timeout` passes first.
    func wait(for event: String, timeout: Duration = .seconds(10)) async -> Bool {
        let id = UUID()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let already = self.state.withLock { state -> Bool in
                        if state.events.contains(event) { return true }
                        state.waiters.append((event, continuation, id))
                        return false
                    }
                    if already { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
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

/// Named gates handlers wait on until the test opens them (cancellable).
final class Gates: Sendable {
    private struct State {
        var open: Set<String> = []
        var waiters: [String: [(UUID, CheckedContinuation<Void, any Error>)]] = [:]
    }

    private let state = Mutex(State())

    /// Blocks the calling thread (no await) until the gate opens, or 30 s.
    func block(until name: String) {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !isOpen(name), ContinuousClock.now < deadline { usleep(1_000) }
    }

    func isOpen(_ name: String) -> Bool {
        state.withLock { $0.open.contains(name) }
    }

    func close(_ name: String) {
        state.withLock { _ = $0.open.remove(name) }
    }

    func open(_ name: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.open.insert(name)
            defer { state.waiters[name] = nil }
            return (state.waiters[name] ?? []).map(\.1)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait(_ name: String) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Bool? in
                    if state.open.contains(name) { return true }
                    if Task.isCancelled { return nil }
                    state.waiters[name, default: []].append((id, continuation))
                    return false
                }
                switch outcome {
                case true?: continuation.resume()
                case nil: continuation.resume(throwing: CancellationError())
                case false?: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters[name]?.firstIndex(where: { $0.0 == id }) else { return nil }
                return state.waiters[name]?.remove(at: index).1
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
