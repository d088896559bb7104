import GRDB
import Synchronization

/// Group commit: work submitted while a transaction is being written waits, and then all of it
/// goes into the next transaction, so many enqueues and settlements share one commit (and one sync
/// of the WAL). Each submitter resumes only after the transaction holding its work has committed,
/// and gets the error when it did not: nothing is confirmed that is not on disk.
final class GroupCommitter: Sendable {
    /// One submitter's work: runs inside the shared transaction, and is told how that ended.
    private struct Job: Sendable {
        let work: @Sendable (Database) throws -> Void
        let finish: @Sendable (Result<Void, any Error>) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var writing = false
    }

    private let database: DatabaseQueue
    private let state = Mutex<State>(State())
    private let committedTransactions = Atomic<Int>(0)
    private let committedJobs = Atomic<Int>(0)

    /// What has committed so far: `jobs / transactions` is the mean group-commit batch.
    var statistics: CommitStatistics {
        CommitStatistics(
            transactions: committedTransactions.load(ordering: .relaxed),
            jobs: committedJobs.load(ordering: .relaxed)
        )
    }

    init(database: DatabaseQueue) {
        self.database = database
    }

    /// Runs `work` in the next transaction and returns its value once that transaction has committed.
    func commit<Value: Sendable>(_ work: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            // Set inside the transaction, read after it ends.
            let box = ValueBox<Value>()
            submit({ db in box.value = try work(db) }) { result in
                switch result {
                case .success:
                    if let value = box.value {
                        continuation.resume(returning: value)
                    } else {
                        continuation.resume(throwing: CommitError.noValue)
                    }
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Queues `work` for the next transaction and returns at once; `finish` is called when that
    /// transaction has committed or failed. Work submitted one after the other commits in that order.
    func submit(
        _ work: @escaping @Sendable (Database) throws -> Void,
        finish: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        let startWriter = state.withLock { state in
            state.pending.append(Job(work: work, finish: finish))
            defer { state.writing = true }
            return !state.writing
        }
        if startWriter { Task { await self.writeUntilIdle() } }
    }

    /// Writes transactions until nothing is pending.
    private func writeUntilIdle() async {
        while true {
            let batch = state.withLock { state in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let outcome = await write(batch)
            for job in batch { job.finish(outcome) }
        }
    }

    private func write(_ batch: [Job]) async -> Result<Void, any Error> {
        do {
            try await database.write { db in
                for job in batch { try job.work(db) }
            }
            committedTransactions.add(1, ordering: .relaxed)
            committedJobs.add(batch.count, ordering: .relaxed)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}

/// Transactions a ``GroupCommitter`` committed and the jobs they held, over its life.
package struct CommitStatistics: Hashable, Sendable {
    /// Transactions that committed.
    package var transactions = 0
    /// Jobs (an enqueue, a batch of settlements, …) those transactions held.
    package var jobs = 0
}

/// A job's value, written inside the transaction and read after it.
// Safe: written once on GRDB's writer queue, read after `database.write` returned (which orders the two).
private final class ValueBox<Value>: @unchecked Sendable {
    var value: Value?
}

/// The transaction committed without running a job: a bug, reported instead of a crash.
enum CommitError: Error, CustomStringConvertible {
    case noValue
    var description: String { "the store's transaction committed without running a job" }
}
