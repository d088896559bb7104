public import ServiceLifecycle

/// Waits for graceful shutdown, then closes a ``TaskGate`` and waits for the tasks in hand to end
/// (`gracePeriod` at most), and returns: `cluster-worker` stops its `QueueWorker` only after this service
/// has returned, so a SIGTERM finishes the tasks in hand, and what was not acked the broker delivers again.
///
/// ```swift
/// let drain = WorkerDrain(gate: gate, gracePeriod: .seconds(10))
/// try await ServiceGroup(services: [healthServer, drain], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
public struct WorkerDrain: Service {
    private let gate: TaskGate
    private let gracePeriod: Duration

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - gate: The gate the worker's tasks go through.
    ///   - gracePeriod: The longest wait for the tasks in hand.
    public init(gate: TaskGate, gracePeriod: Duration) {
        self.gate = gate
        self.gracePeriod = gracePeriod
    }

    /// Returns once a graceful shutdown began and the tasks in hand ended (or the grace period passed).
    public func run() async throws {
        try await gracefulShutdown()
        await gate.drain(within: gracePeriod)
    }
}
