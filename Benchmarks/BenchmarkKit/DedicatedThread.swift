import Foundation

/// Runs `body` on a new thread (blocking reads and raw sockets stay off Swift's cooperative pool).
///
/// ```swift
/// let rate = try await onDedicatedThread(name: "raw-push") { Result { try sendRaw(count) } }.get()
/// ```
///
/// - Parameters:
///   - name: The thread's name.
///   - body: The work; its result is returned.
/// - Returns: What `body` returned.
package func onDedicatedThread<Result: Sendable>(
    name: String,
    _ body: @escaping @Sendable () -> Result
) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            Thread.current.name = name
            continuation.resume(returning: body())
        }
        thread.stackSize = 1 << 22
        thread.start()
    }
}
