import Foundation
import GRDB

/// Opens a SQLite database on a thread of its own: opening runs the connection's pragmas (the
/// journal mode, the lock) and may create and sync files, which can take long on a busy disk and
/// must not hold one of Swift's few cooperative threads meanwhile.
func openDatabase(path: String, configuration: Configuration) async throws -> DatabaseQueue {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try DatabaseQueue(path: path, configuration: configuration) })
        }.start()
    }
}
