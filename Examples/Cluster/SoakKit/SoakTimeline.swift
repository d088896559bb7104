/// What a soak run saw, second by second: calls, latency, the memory of every process, and the
/// violence done to them. The report is drawn from it; RSS growth is computed from it.
///
/// ```swift
/// var timeline = SoakTimeline()
/// timeline.append(SoakTimeline.Sample(at: .seconds(1), calls: 1_200, p50Micros: 900, p99Micros: 4_000,
///                                     resident: ["worker-1#4242": 31 << 20]))
/// timeline.mark(at: .seconds(1), "SIGKILL worker-1")
/// let growth = timeline.largestResidentGrowth(afterWarmUp: .seconds(60))
/// ```
public struct SoakTimeline: Sendable {
    /// One second of the run.
    public struct Sample: Sendable, Hashable {
        /// Time since the start.
        public var at: Duration
        /// Calls completed in the second.
        public var calls: Int
        /// Median and 99th percentile latency of those calls, in µs (0 when there were none).
        public var p50Micros: UInt64
        public var p99Micros: UInt64
        /// Resident bytes of each process instance alive, keyed `name#pid`.
        public var resident: [String: UInt64]

        /// Creates a sample.
        public init(at: Duration, calls: Int, p50Micros: UInt64, p99Micros: UInt64, resident: [String: UInt64]) {
            self.at = at
            self.calls = calls
            self.p50Micros = p50Micros
            self.p99Micros = p99Micros
            self.resident = resident
        }
    }

    /// Something done to the cluster (a kill, a pause, a restart).
    public struct Event: Sendable, Hashable {
        /// Time since the start.
        public var at: Duration
        /// What happened, e.g. `SIGKILL worker-2`.
        public var text: String
    }

    /// The samples, in time order.
    public private(set) var samples: [Sample] = []
    /// The events, in time order.
    public private(set) var events: [Event] = []

    /// An empty timeline.
    public init() {}

    /// Adds a second's sample.
    public mutating func append(_ sample: Sample) { samples.append(sample) }

    /// Records an event.
    public mutating func mark(at time: Duration, _ text: String) { events.append(Event(at: time, text: text)) }

    /// One process instance's resident size over its life after its warm-up.
    public struct ResidentGrowth: Hashable, Sendable {
        /// The instance, `name#pid`.
        public var instance: String
        /// Its resident bytes at the end of its warm-up.
        public var baseline: UInt64
        /// Its largest resident bytes after that.
        public var peak: UInt64
        /// Its resident bytes at its last sample.
        public var last: UInt64
        /// How long it lived, from its first sample to its last.
        public var lived: Duration
        /// From `baseline` to `last`, in percent.
        public var percent: Double { baseline == 0 ? 0 : (Double(last) - Double(baseline)) / Double(baseline) * 100 }
    }

    /// Every process instance's resident size from the end of its warm-up (its first sample at
    /// least `warmUp` after it first appeared) to its last sample, largest growth first. An instance
    /// that did not live `2 × warmUp` is left out (a restarted process starts afresh).
    public func residentGrowth(afterWarmUp warmUp: Duration) -> [ResidentGrowth] {
        var first: [String: Duration] = [:]
        var growth: [String: ResidentGrowth] = [:]
        for sample in samples {
            for (instance, bytes) in sample.resident {
                let born = first[instance] ?? sample.at
                first[instance] = born
                if var known = growth[instance] {
                    known.peak = max(known.peak, bytes)
                    known.last = bytes
                    known.lived = sample.at - born
                    growth[instance] = known
                } else if sample.at - born >= warmUp {
                    growth[instance] = ResidentGrowth(
                        instance: instance,
                        baseline: bytes,
                        peak: bytes,
                        last: bytes,
                        lived: sample.at - born
                    )
                }
            }
        }
        return growth.values.filter { $0.lived >= warmUp * 2 && $0.baseline > 0 }.sorted { $0.percent > $1.percent }
    }

    /// The largest growth of any process instance's resident size, in percent
    /// (``residentGrowth(afterWarmUp:)``'s first).
    ///
    /// - Returns: The instance (`name#pid`) and its growth, or nil when no instance lived long enough.
    public func largestResidentGrowth(afterWarmUp warmUp: Duration) -> (instance: String, percent: Double)? {
        residentGrowth(afterWarmUp: warmUp).first.map { ($0.instance, $0.percent) }
    }
}
