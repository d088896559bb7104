/// A circuit breaker's state machine: a value driven by the caller's clock, so every transition
/// can be tested exactly.
///
/// - **closed**: calls pass; outcomes go into a sliding window (the last `count` calls, or the
///   calls of the last `duration`). Once the window holds `minimumCalls`, a failure rate or a
///   slow-call rate at or above its threshold opens the breaker.
/// - **open**: calls fail fast (no network traffic) until `openDuration` has passed.
/// - **half-open**: `halfOpenProbes` calls go through; if they all succeed the breaker closes
///   (with an empty window), if any fails it opens again.
///
/// ```swift
/// var breaker = CircuitBreaker(policy: .init(failureRateThreshold: 0.5, minimumCalls: 4))
/// guard case .allowed = breaker.acquire(now: clock.now) else { throw unavailable }
/// let transition = breaker.record(.failure, duration: elapsed, now: clock.now)
/// ```
public struct CircuitBreaker: Sendable {
    /// When the breaker opens and how it recovers.
    public struct Policy: Hashable, Sendable {
        /// The sliding window the rates are computed over.
        ///
        /// Frozen, so a `switch` over it stays exhaustive: windows count calls or time, and those
        /// two are the whole design (another kind of window would be another policy).
        public enum Window: Hashable, Sendable {
            /// The last `n` calls.
            case count(Int)
            /// The calls that ended within the last duration.
            case time(Duration)
        }

        /// Failure rate (0 … 1) at or above which the breaker opens.
        public var failureRateThreshold: Double
        /// Slow-call rate (0 … 1) at or above which the breaker opens; 1.0 with no slow calls
        /// never trips.
        public var slowCallRateThreshold: Double
        /// A call that takes at least this long is slow (whatever its outcome).
        public var slowCallDuration: Duration
        /// The window holds at least this many calls before rates count.
        public var minimumCalls: Int
        /// The sliding window.
        public var window: Window
        /// How long the breaker stays open before probing.
        public var openDuration: Duration
        /// How many probe calls half-open lets through.
        public var halfOpenProbes: Int

        /// Creates a policy.
        ///
        /// - Parameters:
        ///   - failureRateThreshold: Failure rate that opens the breaker.
        ///   - slowCallRateThreshold: Slow-call rate that opens the breaker.
        ///   - slowCallDuration: What counts as slow.
        ///   - minimumCalls: Calls needed before rates count.
        ///   - window: The sliding window.
        ///   - openDuration: Time open before probing.
        ///   - halfOpenProbes: Probe calls in half-open.
        public init(
            failureRateThreshold: Double = 0.5,
            slowCallRateThreshold: Double = 1.0,
            slowCallDuration: Duration = .seconds(2),
            minimumCalls: Int = 10,
            window: Window = .count(20),
            openDuration: Duration = .seconds(5),
            halfOpenProbes: Int = 3
        ) {
            self.failureRateThreshold = failureRateThreshold
            self.slowCallRateThreshold = slowCallRateThreshold
            self.slowCallDuration = slowCallDuration
            self.minimumCalls = minimumCalls
            self.window = window
            self.openDuration = openDuration
            self.halfOpenProbes = halfOpenProbes
        }

        func validate() throws {
            guard (0...1).contains(failureRateThreshold), failureRateThreshold > 0 else {
                throw ResilienceConfigurationError(
                    "breaker failureRateThreshold must be in (0, 1], not \(failureRateThreshold)"
                )
            }
            guard (0...1).contains(slowCallRateThreshold), slowCallRateThreshold > 0 else {
                throw ResilienceConfigurationError(
                    "breaker slowCallRateThreshold must be in (0, 1], not \(slowCallRateThreshold)"
                )
            }
            guard minimumCalls >= 1 else { throw ResilienceConfigurationError("breaker minimumCalls must be ≥ 1") }
            guard halfOpenProbes >= 1 else { throw ResilienceConfigurationError("breaker halfOpenProbes must be ≥ 1") }
            guard openDuration > .zero else {
                throw ResilienceConfigurationError("breaker openDuration must be positive")
            }
            switch window {
            case .count(let count) where count < minimumCalls:
                throw ResilienceConfigurationError(
                    "breaker window of \(count) calls cannot reach minimumCalls \(minimumCalls)"
                )
            case .time(let duration) where duration <= .zero:
                throw ResilienceConfigurationError("breaker time window must be positive")
            default:
                break
            }
        }
    }

    /// Where the breaker is.
    ///
    /// Frozen: these are the pattern's three states. A behaviour such as "held open by an
    /// operator" would be a policy, not a fourth state.
    public enum State: Hashable, Sendable {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen(probesLeft: Int, succeeded: Int)
    }

    /// Whether a call may go through.
    ///
    /// Frozen: a call either goes through or fails fast; there is no third answer.
    public enum Decision: Hashable, Sendable {
        case allowed
        /// Fail fast; the breaker probes again at `retryAt`.
        case rejected(retryAt: ContinuousClock.Instant?)
    }

    /// How a call ended, for the breaker.
    ///
    /// Frozen: the breaker counts successes and failures; which errors count as failures is the
    /// interceptor's choice (by status code), not another outcome. Slowness is measured apart.
    public enum Outcome: Hashable, Sendable {
        case success
        case failure
    }

    /// A change of state, to log and count.
    public struct Transition: Hashable, Sendable {
        /// The state before.
        public let from: State
        /// The state after.
        public let to: State
    }

    private struct Sample {
        let end: ContinuousClock.Instant
        let failed: Bool
        let slow: Bool
    }

    /// The policy.
    public let policy: Policy
    /// The current state.
    public private(set) var state: State = .closed
    private var samples: [Sample] = []

    /// Creates a closed breaker.
    ///
    /// - Parameter policy: When it opens and how it recovers.
    public init(policy: Policy) {
        self.policy = policy
    }

    /// Asks to make a call at `now`: closed allows it; open rejects it until its time is up, then
    /// turns half-open; half-open allows its remaining probes.
    public mutating func acquire(now: ContinuousClock.Instant) -> Decision {
        switch state {
        case .closed:
            return .allowed
        case .open(let until):
            guard now >= until else { return .rejected(retryAt: until) }
            state = .halfOpen(probesLeft: policy.halfOpenProbes - 1, succeeded: 0)
            return .allowed
        case .halfOpen(let probesLeft, let succeeded):
            guard probesLeft > 0 else { return .rejected(retryAt: nil) }
            state = .halfOpen(probesLeft: probesLeft - 1, succeeded: succeeded)
            return .allowed
        }
    }

    /// Records how an allowed call ended.
    ///
    /// - Parameters:
    ///   - outcome: Success or failure (the caller decides which statuses are failures).
    ///   - duration: How long the call took (for slow-call detection).
    ///   - now: When it ended.
    /// - Returns: The transition, when the state changed.
    @discardableResult
    public mutating func record(_ outcome: Outcome, duration: Duration, now: ContinuousClock.Instant) -> Transition? {
        let before = state
        let slow = duration >= policy.slowCallDuration
        switch state {
        case .closed:
            samples.append(Sample(end: now, failed: outcome == .failure, slow: slow))
            trimWindow(now: now)
            if tripped() {
                state = .open(until: now.advanced(by: policy.openDuration))
                samples.removeAll()
            }
        case .halfOpen(let probesLeft, let succeeded):
            if outcome == .failure || slow {
                state = .open(until: now.advanced(by: policy.openDuration))
            } else if succeeded + 1 >= policy.halfOpenProbes {
                state = .closed
                samples.removeAll()
            } else {
                state = .halfOpen(probesLeft: probesLeft, succeeded: succeeded + 1)
            }
        case .open:
            break  // a call that started before the breaker opened: its outcome no longer counts
        }
        return Self.samePhase(before, state) ? nil : Transition(from: before, to: state)
    }

    private static func samePhase(_ lhs: State, _ rhs: State) -> Bool {
        switch (lhs, rhs) {
        case (.closed, .closed), (.open, .open), (.halfOpen, .halfOpen): true
        default: false
        }
    }

    /// The window's failure and slow-call rates (0 when empty).
    public func rates(now: ContinuousClock.Instant) -> (failure: Double, slow: Double, calls: Int) {
        let live = liveSamples(now: now)
        guard !live.isEmpty else { return (0, 0, 0) }
        let failures = live.filter(\.failed).count
        let slow = live.filter(\.slow).count
        return (Double(failures) / Double(live.count), Double(slow) / Double(live.count), live.count)
    }

    private func liveSamples(now: ContinuousClock.Instant) -> ArraySlice<Sample> {
        switch policy.window {
        case .count(let count):
            return samples.suffix(count)
        case .time(let duration):
            let start = now.advanced(by: .zero - duration)
            return samples[...].drop { $0.end < start }
        }
    }

    private mutating func trimWindow(now: ContinuousClock.Instant) {
        switch policy.window {
        case .count(let count):
            if samples.count > count { samples.removeFirst(samples.count - count) }
        case .time(let duration):
            let start = now.advanced(by: .zero - duration)
            samples.removeAll { $0.end < start }
        }
    }

    private func tripped() -> Bool {
        let live = samples
        guard live.count >= policy.minimumCalls else { return false }
        let failures = Double(live.filter(\.failed).count) / Double(live.count)
        let slow = Double(live.filter(\.slow).count) / Double(live.count)
        return failures >= policy.failureRateThreshold
            || (slow >= policy.slowCallRateThreshold && live.contains(where: \.slow))
    }
}
