/// A token bucket that stops retry storms, as gRPC's retry throttling does: every failed attempt
/// takes a token, every success gives back `tokenRatio`, and retries are allowed only while more
/// than half of `maxTokens` remain. When a service is down, retries stop after a few failures and
/// resume as calls start succeeding again. Hedges draw from the same bucket: each hedged attempt
/// takes a token when it is sent, and is sent only while retries are allowed.
///
/// ```swift
/// var budget = RetryBudget(maxTokens: 10, tokenRatio: 0.1)
/// budget.recordFailure()
/// if budget.allowsRetry { … }
/// budget.recordSuccess()
/// ```
public struct RetryBudget: Hashable, Sendable {
    /// The bucket's size.
    public let maxTokens: Double
    /// What a success gives back.
    public let tokenRatio: Double
    /// The tokens now.
    public private(set) var tokens: Double

    /// Creates a full bucket.
    ///
    /// - Parameters:
    ///   - maxTokens: The bucket's size (> 0).
    ///   - tokenRatio: What each success gives back (> 0).
    public init(maxTokens: Double = 10, tokenRatio: Double = 0.1) {
        self.maxTokens = maxTokens
        self.tokenRatio = tokenRatio
        self.tokens = maxTokens
    }

    /// Whether a retry may be sent now.
    public var allowsRetry: Bool { tokens > maxTokens / 2 }

    /// An attempt failed (with a retryable status).
    public mutating func recordFailure() {
        tokens = max(0, tokens - 1)
    }

    /// A hedged attempt was sent: it takes a token, as a failure does, so hedges stop at the same
    /// threshold as retries and, with `tokenRatio` 0.1, average at most one per ten successful calls.
    public mutating func recordHedge() {
        tokens = max(0, tokens - 1)
    }

    /// An attempt succeeded.
    public mutating func recordSuccess() {
        tokens = min(maxTokens, tokens + tokenRatio)
    }

    func validate() throws {
        guard maxTokens > 0 else {
            throw ResilienceConfigurationError("retry budget maxTokens must be positive, not \(maxTokens)")
        }
        guard tokenRatio > 0 else {
            throw ResilienceConfigurationError("retry budget tokenRatio must be positive, not \(tokenRatio)")
        }
    }
}
