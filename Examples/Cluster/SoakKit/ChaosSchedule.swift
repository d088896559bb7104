import ZRPC

/// When the soak harness does violence to which process, as a value: it is asked at each tick what
/// is due and answers with actions, drawing the times from a seeded generator so that a run can be
/// repeated. Tested without processes or clocks.
///
/// ```swift
/// var schedule = ChaosSchedule(rules: ChaosSchedule.Rule.defaults, seed: 7, start: .now)
/// for action in schedule.due(at: .now) { perform(action) }
/// ```
public struct ChaosSchedule: Sendable {
    /// What to do to a process of a role.
    public enum Action: Hashable, Sendable {
        /// SIGKILL one process of the role (the harness restarts it).
        case kill(role: String)
        /// SIGSTOP one process of the role, and SIGCONT it after the duration (a hang).
        case pause(role: String, for: Duration)
    }

    /// An action repeated at random intervals between `every.lowerBound` and `every.upperBound`.
    public struct Rule: Hashable, Sendable {
        /// The action.
        public var action: Action
        /// The range the interval between two of them is drawn from.
        public var every: ClosedRange<Duration>

        /// Creates a rule.
        ///
        /// - Parameters:
        ///   - action: The action.
        ///   - every: The range of intervals.
        public init(_ action: Action, every: ClosedRange<Duration>) {
            self.action = action
            self.every = every
        }

        /// The schedule: a worker killed every 30–60 s, the broker every 3–5 minutes, an RPC
        /// service (the catalog, the orders service or an edge) every 2–4 minutes, and a process hung
        /// for 3 s every 1–2 minutes.
        public static let defaults: [Rule] = [
            Rule(.kill(role: "worker"), every: .seconds(30)...(.seconds(60))),
            Rule(.kill(role: "broker"), every: .seconds(180)...(.seconds(300))),
            Rule(.kill(role: "rpc"), every: .seconds(120)...(.seconds(240))),
            Rule(.pause(role: "any", for: .seconds(3)), every: .seconds(60)...(.seconds(120))),
        ]
    }

    private var rules: [Rule]
    private var next: [ContinuousClock.Instant]
    private var random: SplitMixRandom

    /// Creates a schedule whose first actions come one drawn interval after `start`.
    ///
    /// - Parameters:
    ///   - rules: What to do, and how often.
    ///   - seed: The seed of the intervals (and of the victims, through ``pick(_:)``).
    ///   - start: When the run starts.
    public init(rules: [Rule], seed: UInt64, start: ContinuousClock.Instant) {
        self.rules = rules
        self.random = SplitMixRandom(seed: seed)
        self.next = []
        for rule in rules { next.append(start.advanced(by: interval(rule.every))) }
    }

    /// The actions due at `now`, each rescheduled one drawn interval later.
    public mutating func due(at now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for index in rules.indices where next[index] <= now {
            actions.append(rules[index].action)
            next[index] = now.advanced(by: interval(rules[index].every))
        }
        return actions
    }

    /// The earliest time something is due.
    public var nextDue: ContinuousClock.Instant? { next.min() }

    /// A victim among `count` processes (an index below it), drawn from the schedule's generator.
    public mutating func pick(_ count: Int) -> Int {
        count <= 1 ? 0 : Int.random(in: 0..<count, using: &random)
    }

    private mutating func interval(_ range: ClosedRange<Duration>) -> Duration {
        let low = range.lowerBound / .milliseconds(1)
        let high = range.upperBound / .milliseconds(1)
        guard high > low else { return range.lowerBound }
        return .milliseconds(Int64(Double.random(in: low...high, using: &random)))
    }
}
