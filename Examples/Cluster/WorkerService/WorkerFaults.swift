/// Flakiness a worker puts on purpose into its tasks, for the soak (`WORKER_FAILURE_RATE`,
/// `WORKER_PERMANENT_FAILURE_RATE`, `WORKER_DELAY_MS`): a slow or failing payment provider. Faults strike
/// before the effect, as a provider's would.
///
/// ```swift
/// let flaky = WorkerFaults(failureRate: 0.2, permanentFailureRate: 0.01, delay: .milliseconds(50))
/// var random = SystemRandomNumberGenerator()
/// flaky.draw(using: &random)   // .none, .retryable or .permanent
/// ```
public struct WorkerFaults: Hashable, Sendable {
    /// What one task draws.
    public enum Fault: Hashable, Sendable {
        /// No fault: the task runs.
        case none
        /// The task fails with a retryable error: the broker delivers it again after a backoff.
        case retryable
        /// The task fails for good: the broker moves it to the dead-letter queue.
        case permanent
    }

    /// The fraction of tasks, 0 to 1, that fail with a retryable error.
    public var failureRate: Double
    /// The fraction of tasks, 0 to 1, that fail for good.
    public var permanentFailureRate: Double
    /// How long each task takes before its effect.
    public var delay: Duration

    /// Creates the faults.
    ///
    /// - Parameters:
    ///   - failureRate: The fraction of tasks that fail retryably.
    ///   - permanentFailureRate: The fraction of tasks that fail for good.
    ///   - delay: How long each task takes.
    public init(failureRate: Double = 0, permanentFailureRate: Double = 0, delay: Duration = .zero) {
        self.failureRate = failureRate
        self.permanentFailureRate = permanentFailureRate
        self.delay = delay
    }

    /// No faults, no delay.
    public static var none: WorkerFaults { WorkerFaults() }

    /// Draws one task's fault.
    ///
    /// - Parameter random: Where the randomness comes from.
    public func draw(using random: inout some RandomNumberGenerator) -> Fault {
        let roll = Double.random(in: 0..<1, using: &random)
        if roll < permanentFailureRate { return .permanent }
        if roll < permanentFailureRate + failureRate { return .retryable }
        return .none
    }
}
