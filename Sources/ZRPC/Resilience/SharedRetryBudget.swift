import Synchronization

/// One ``RetryBudget`` behind a lock, shared by the layers of a client that draw from it: its
/// retries (``RetryInterceptor``) and its hedges (``HedgingInterceptor``) count against the same
/// tokens, so hedging cannot add the load that the budget keeps retries from adding.
final class SharedRetryBudget: Sendable {
    private let budget: Mutex<RetryBudget>

    /// Shares `budget`.
    ///
    /// - Parameter budget: The bucket, full or not.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid budget.
    init(_ budget: RetryBudget) throws {
        try budget.validate()
        self.budget = Mutex(budget)
    }

    /// The budget now.
    var value: RetryBudget { budget.withLock { $0 } }

    /// Reads or changes the budget under the lock.
    ///
    /// - Parameter body: Runs with the budget; keep it short (no waiting).
    /// - Returns: What `body` returned.
    func withLock<Result: Sendable>(_ body: (inout RetryBudget) -> Result) -> Result {
        budget.withLock { budget in body(&budget) }
    }
}
