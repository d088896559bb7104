import Dispatch

/// One thread for the CPU-heavy test work of this target (property loops, corruption, protoc runs).
private let heavyWork = DispatchQueue(label: "zrpc.tests.protobuf-heavy-work")

/// Runs CPU-heavy test work off Swift's cooperative pool and waits for it. The work runs on one
/// serial queue: looping for seconds on the two cooperative threads, or on a thread per test,
/// would starve every other test's tasks and I/O threads (the networking suites in the same
/// process timed out behind them under AddressSanitizer); one at a time, it takes one core at most.
func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        heavyWork.async { continuation.resume(with: Result { try body() }) }
    }
}
