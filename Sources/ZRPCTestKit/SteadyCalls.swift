import Synchronization

/// A well-behaved client beside a test: calls the same thing over and over, from a few tasks, while
/// the test does something else (sends hostile input, kills a peer, floods), and reports how many
/// calls it made, which failed and the slowest one.
///
/// ```swift
/// let stub = Zrpc_Testkit_Faulty.Client(wrapping: client)
/// let (_, report) = try await SteadyCalls.during(deadline: .seconds(1)) {
///     _ = try await stub.read(.init(key: "good"), options: .init(timeout: .seconds(1)))
/// } while: {
///     try await sendGarbage()
/// }
/// #expect(report.failures.isEmpty, "\(report)")
/// print("worst latency \(report.worstLatency)")
/// ```
public enum SteadyCalls {
    /// What the calls saw.
    public struct Report: Sendable, CustomStringConvertible {
        /// Calls made (successful or not).
        public var calls = 0
        /// Why calls failed: the error, or that one took longer than the deadline.
        public var failures: [String] = []
        /// The slowest call.
        public var worstLatency: Duration = .zero

        /// One line: `40 calls, worst 0.012 seconds, 0 failed`, then the first three failures.
        public var description: String {
            "\(calls) calls, worst \(worstLatency), \(failures.count) failed\(failures.prefix(3).map { ": \($0)" }.joined())"
        }
    }

    /// Runs `call` in a loop on `concurrency` tasks for as long as `body` runs, and then until
    /// each task has made `callsAfter` more calls (so the report covers what `body` left behind).
    ///
    /// - Parameters:
    ///   - concurrency: Tasks calling at once.
    ///   - deadline: A call slower than this counts as failed (give `call` its own timeout too).
    ///   - pause: Time between one task's calls, so the loop does not take a whole core.
    ///   - callsAfter: Calls each task makes after `body` returns.
    ///   - call: One call; a throw counts as a failure.
    ///   - body: What the test does meanwhile.
    /// - Returns: What `body` returned, and the report.
    public static func during<Result: Sendable>(
        concurrency: Int = 2,
        deadline: Duration,
        pause: Duration = .milliseconds(5),
        callsAfter: Int = 3,
        _ call: @escaping @Sendable () async throws -> Void,
        while body: () async throws -> Result
    ) async throws -> (Result, Report) {
        let tally = Tally()
        // Tasks rather than a task group: `body` is not Sendable and runs here, in the caller's
        // task; every loop is awaited before this returns or throws.
        let loops = (0..<concurrency).map { _ in
            Task {
                var after = 0
                while after < callsAfter {
                    if tally.bodyDone.load(ordering: .acquiring) { after += 1 }
                    let start = ContinuousClock.now
                    var failure: String?
                    do { try await call() } catch { failure = "\(error)" }
                    let took = start.duration(to: .now)
                    if failure == nil, took > deadline { failure = "a call took \(took), over \(deadline)" }
                    tally.report.withLock { report in
                        report.calls += 1
                        report.worstLatency = max(report.worstLatency, took)
                        if let failure { report.failures.append(failure) }
                    }
                    try? await Task.sleep(for: pause)
                }
            }
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        tally.bodyDone.store(true, ordering: .releasing)
        for loop in loops { await loop.value }
        let result = try outcome.get()
        return (result, tally.report.withLock { $0 })
    }

    /// What the loops share.
    private final class Tally: Sendable {
        let report = Mutex(Report())
        let bodyDone = Atomic(false)
    }
}
