/// Exponential backoff with full jitter: the wait before retry *n* is uniform in
/// `0 ... min(maximum, initial × multiplier^(n−1))` (AWS's "full jitter", which spreads retries
/// of many clients best).
///
/// ```swift
/// let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2), multiplier: 2)
/// backoff.ceiling(forRetry: 3)                            // 200 ms
/// var random = SystemRandomNumberGenerator()
/// let wait = backoff.delay(forRetry: 3, using: &random)   // somewhere in 0 ... 200 ms
/// ```
public struct Backoff: Hashable, Sendable {
    /// The ceiling of the first retry's wait.
    public var initial: Duration
    /// No wait is longer than this.
    public var maximum: Duration
    /// How much the ceiling grows per retry.
    public var multiplier: Double

    /// Creates a backoff.
    ///
    /// - Parameters:
    ///   - initial: The first retry's ceiling (> 0).
    ///   - maximum: The largest wait (≥ `initial`).
    ///   - multiplier: Growth per retry (≥ 1).
    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The ceiling of retry `retry`'s wait (1 for the first retry).
    ///
    /// - Parameter retry: The retry number, from 1.
    public func ceiling(forRetry retry: Int) -> Duration {
        let exponent = Double(max(retry, 1) - 1)
        let seconds = Self.seconds(initial) * power(multiplier, exponent)
        let capped = min(seconds, Self.seconds(maximum))
        return .nanoseconds(Int64(capped * 1e9))
    }

    /// A random wait for retry `retry`: uniform in `0 ... ceiling(forRetry:)`.
    ///
    /// - Parameters:
    ///   - retry: The retry number, from 1.
    ///   - random: The source of randomness (seed one in tests).
    public func delay(forRetry retry: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(forRetry: retry)
        let nanoseconds = Int64(Self.seconds(ceiling) * 1e9)
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &random))
    }

    /// Checks the values; a configuration error says which.
    func validate() throws {
        guard initial > .zero else {
            throw ResilienceConfigurationError("backoff initial must be positive, not \(initial)")
        }
        guard maximum >= initial else {
            throw ResilienceConfigurationError("backoff maximum \(maximum) is below initial \(initial)")
        }
        guard multiplier >= 1, multiplier.isFinite else {
            throw ResilienceConfigurationError("backoff multiplier must be ≥ 1, not \(multiplier)")
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// `base` to a whole, non-negative `exponent`, by squaring (no Foundation needed).
private func power(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    var factor = base
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
        if result.isInfinite { return result }
    }
    return result
}

/// An invalid resilience setting, found when a client is configured (never a silent default).
public struct ResilienceConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String

    package init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
