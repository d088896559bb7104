import ServiceLifecycle
import Synchronization

/// What a `run()` waits on between starting and shutting down: graceful shutdown from
/// swift-service-lifecycle, a call to `beginGracefulShutdown()`, or the task's cancellation,
/// whichever comes first. The waiting happens inside `run()`'s own task: nothing is spawned.
final class ShutdownSignal: Sendable {
    private struct State {
        var requested = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    /// ``isRequested`` for hot paths: one atomic load.
    private let requested = Atomic<Bool>(false)

    /// Asks for shutdown; safe from any thread, any number of times.
    func request() {
        requested.store(true, ordering: .releasing)
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.requested = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether shutdown was asked for (a server refuses new calls from then on).
    var isRequested: Bool { requested.load(ordering: .acquiring) }

    /// Returns when shutdown is asked for in any of the three ways.
    func wait() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.requested { return true }
                        state.waiter = waiter
                        return false
                    }
                    if resumeNow { waiter.resume() }
                }
            } onGracefulShutdown: {
                self.request()
            }
        } onCancel: {
            self.request()
        }
    }
}
