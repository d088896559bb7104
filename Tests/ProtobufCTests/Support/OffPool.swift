import Foundation

/// Runs CPU-heavy test work on a thread of its own and waits for it: looping for seconds on one of
/// Swift's cooperative threads (two on these machines) would stall every other test's tasks
/// meanwhile, and the networking suites, which run in the same process, would time out.
func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
