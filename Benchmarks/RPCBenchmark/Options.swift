/// How much work the driver does: the full run, or `--quick` for a smoke test.
///
/// Each contender's budget is split into ``rounds`` that interleave with the other contenders'
/// (raw, A, B, C, D, then the next round in a rotated order), so a slow minute on a shared machine
/// lands on every contender rather than on one.
struct BenchmarkOptions: Sendable {
    /// Encoded request sizes measured, in bytes.
    var payloadSizes: [Int] = [64, 1024]
    /// Calls in flight for the throughput points.
    var inFlightLevels: [Int] = [1, 16, 64, 256]
    /// How many interleaved rounds each contender's budget is split into.
    var rounds = 3
    /// Sequential calls before each round of a contender (not recorded).
    var warmupCallsPerRound = 700
    /// Sequential calls timed for the latency percentiles, over all rounds.
    var latencyCalls = 21_000
    /// How long each throughput point keeps calls in flight, over all rounds.
    var throughputDuration: Duration = .seconds(2.4)
    /// The untimed run before each throughput point in each round.
    var throughputWarmup: Duration = .milliseconds(200)
    /// The load before the idle probe (64 calls in flight).
    var idleProbeLoad: Duration = .seconds(1)
    /// The idle window after that load is counted in slices of this length…
    var idleSlice: Duration = .seconds(1)
    /// …this many: long enough to see timers of the load's calls (5 s deadlines) fire.
    var idleSlices = 7
    /// Whether this is the `--quick` smoke run.
    var quick = false
    /// The contenders measured (`--only A,D` narrows it; the raw baseline is always included).
    var contenders: Set<Contender> = Set(Contender.allCases)

    /// Sequential calls timed per round.
    var latencyCallsPerRound: Int { max(latencyCalls / rounds, 1) }
    /// Timed throughput per point per round.
    var throughputDurationPerRound: Duration { throughputDuration / rounds }

    /// The quick smoke-test configuration.
    static var quickRun: BenchmarkOptions {
        var options = BenchmarkOptions()
        options.quick = true
        options.rounds = 1
        options.warmupCallsPerRound = 200
        options.latencyCalls = 1_000
        options.throughputDuration = .milliseconds(250)
        options.throughputWarmup = .milliseconds(50)
        options.idleProbeLoad = .milliseconds(300)
        options.idleSlice = .milliseconds(500)
        options.idleSlices = 2
        return options
    }

    /// Parses the driver's arguments (everything after the executable's path).
    ///
    /// - Throws: ``UsageError`` for an argument it does not know.
    static func parse(_ arguments: [String]) throws(UsageError) -> BenchmarkOptions {
        var options = BenchmarkOptions()
        var only: Set<Contender>?
        var sizes: [Int]?
        var levels: [Int]?
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--quick":
                options = .quickRun
            case "--only":
                guard let list = remaining.popFirst() else {
                    throw UsageError(message: "--only needs a list, e.g. A,D")
                }
                var chosen: Set<Contender> = [.raw]
                for label in list.split(separator: ",") {
                    guard let contender = Contender.allCases.first(where: { $0.flagName == label.lowercased() }) else {
                        throw UsageError(message: "unknown contender \(label) (raw, R4, R32, P32, A, B, C, D, E, F)")
                    }
                    chosen.insert(contender)
                }
                only = chosen
            case "--in-flight":
                guard let list = remaining.popFirst() else {
                    throw UsageError(message: "--in-flight needs levels, e.g. 16,64")
                }
                let parsed = list.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 && $0 <= 4096 }
                guard !parsed.isEmpty else { throw UsageError(message: "--in-flight needs levels between 1 and 4096") }
                levels = parsed
            case "--payload":
                guard let list = remaining.popFirst() else {
                    throw UsageError(message: "--payload needs sizes, e.g. 64,1024")
                }
                let parsed = list.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 && $0 <= 1 << 20 }
                guard !parsed.isEmpty else {
                    throw UsageError(message: "--payload needs sizes between 1 and 1048576 bytes")
                }
                sizes = parsed
            default:
                throw UsageError(message: "unknown argument \(argument)")
            }
        }
        if let only { options.contenders = only }
        if let sizes { options.payloadSizes = sizes }
        if let levels { options.inFlightLevels = levels }
        return options
    }
}

/// A command line the benchmark does not understand.
struct UsageError: Error, CustomStringConvertible {
    let message: String

    var description: String {
        """
        \(message)
        usage: rpc-benchmark [--quick] [--only R4,R32,P32,A,B,C,D,E,F] [--payload 64,1024] [--in-flight 1,16,64,256]
               rpc-benchmark first-call [COUNT]                     (diagnostic: first call of new clients)
               rpc-benchmark in-process [CALLS] [IN-FLIGHT] [PAYLOAD] (diagnostic: client and server in one process)
               rpc-benchmark serve-raw [--protobuf] | serve-zrpc [--concurrent] [--curve SECRET CLIENT] | serve-push COUNT SIZE
                                                                    (server children; started by the driver)
        """
    }
}
