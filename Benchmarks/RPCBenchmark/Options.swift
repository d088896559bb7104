/// How much work the driver does: the full run, or `--quick` for a smoke test.
struct BenchmarkOptions: Sendable {
    /// Encoded request sizes measured, in bytes.
    var payloadSizes: [Int] = [64, 1024]
    /// Calls in flight for the throughput points.
    var inFlightLevels: [Int] = [1, 16, 64, 256]
    /// Sequential calls before each contender's latency measurement (not recorded).
    var warmupCalls = 2_000
    /// Sequential calls timed for the latency percentiles.
    var latencyCalls = 20_000
    /// How long each throughput point keeps calls in flight, after its warm-up.
    var throughputDuration: Duration = .seconds(2)
    /// The untimed run before each throughput point (lets thread pools and TCP windows settle).
    var throughputWarmup: Duration = .milliseconds(250)
    /// The idle window measured after each server's load, for timer wake-ups.
    var idleWindow: Duration = .seconds(1)
    /// Whether this is the `--quick` smoke run.
    var quick = false
    /// The contenders measured (`--only raw,A,D` narrows it; the raw baseline is always included).
    var contenders: Set<Contender> = Set(Contender.allCases)

    /// The quick smoke-test configuration.
    static var quickRun: BenchmarkOptions {
        var options = BenchmarkOptions()
        options.quick = true
        options.warmupCalls = 200
        options.latencyCalls = 1_000
        options.throughputDuration = .milliseconds(250)
        options.throughputWarmup = .milliseconds(50)
        options.idleWindow = .milliseconds(250)
        return options
    }

    /// Parses the driver's arguments (everything after the executable's path).
    ///
    /// - Throws: ``UsageError`` for an argument it does not know.
    static func parse(_ arguments: [String]) throws(UsageError) -> BenchmarkOptions {
        var options = BenchmarkOptions()
        var only: Set<Contender>?
        var sizes: [Int]?
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--quick":
                options = .quickRun
            case "--only":
                guard let list = remaining.popFirst() else { throw UsageError(message: "--only needs a list, e.g. A,D") }
                var chosen: Set<Contender> = [.raw]
                for label in list.split(separator: ",") {
                    guard let contender = Contender.allCases.first(where: { $0.flagName == label.lowercased() }) else {
                        throw UsageError(message: "unknown contender \(label) (raw, A, B, C, D)")
                    }
                    chosen.insert(contender)
                }
                only = chosen
            case "--payload":
                guard let list = remaining.popFirst() else { throw UsageError(message: "--payload needs sizes, e.g. 64,1024") }
                let parsed = list.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 && $0 <= 1 << 20 }
                guard !parsed.isEmpty else { throw UsageError(message: "--payload needs sizes between 1 and 1048576 bytes") }
                sizes = parsed
            default:
                throw UsageError(message: "unknown argument \(argument)")
            }
        }
        if let only { options.contenders = only }
        if let sizes { options.payloadSizes = sizes }
        return options
    }
}

/// A command line the benchmark does not understand.
struct UsageError: Error, CustomStringConvertible {
    let message: String

    var description: String {
        """
        \(message)
        usage: rpc-benchmark [--quick] [--only raw,A,B,C,D] [--payload 64,1024]
               rpc-benchmark serve-raw | serve-zrpc [--io-thread]   (server children; started by the driver)
        """
    }
}
