import Synchronization

/// What a ``QueueWorker`` has done: sessions with the broker, and tasks acked and failed.
///
/// ```swift
/// print("acked \(worker.statistics.tasksAcked), failed \(worker.statistics.tasksFailed)")
/// ```
public final class WorkerStatistics: Sendable {
    private struct Counts {
        var sessions = 0
        var acked = 0
        var failed = 0
    }

    private let counts = Mutex(Counts())

    /// Sessions opened with the broker (the first, and each reconnection).
    public var sessions: Int { counts.withLock { $0.sessions } }
    /// Tasks whose handler returned.
    public var tasksAcked: Int { counts.withLock { $0.acked } }
    /// Tasks whose handler threw (or that had no handler).
    public var tasksFailed: Int { counts.withLock { $0.failed } }

    func sessionStarted() { counts.withLock { $0.sessions += 1 } }
    func acked() { counts.withLock { $0.acked += 1 } }
    func failed() { counts.withLock { $0.failed += 1 } }
}
