import Histogram

/// Sequential round trips: one call at a time, each timed.
struct LatencyResult: Sendable {
    /// Median round trip, microseconds.
    let p50: UInt64
    /// 99th percentile round trip, microseconds.
    let p99: UInt64
    /// Mean round trip, microseconds.
    let mean: Double
    /// Calls timed.
    let calls: Int
    /// Calls that failed (not timed).
    let errors: Int
    /// Thread switches and CPU per call.
    let cost: PerCallCost

    /// Summarises a histogram of round trips in microseconds.
    init(histogram: Histogram<UInt64>, errors: Int, cost: PerCallCost) {
        p50 = histogram.valueAtPercentile(50)
        p99 = histogram.valueAtPercentile(99)
        mean = histogram.mean
        calls = Int(histogram.totalCount)
        self.errors = errors
        self.cost = cost
    }

    /// An empty histogram for round trips of 1 µs to 60 s, 3 significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// Calls kept in flight for a while.
struct ThroughputResult: Sendable {
    /// Calls kept outstanding at once.
    let inFlight: Int
    /// Completed calls per second.
    let callsPerSecond: Double
    /// Calls completed.
    let calls: Int
    /// Calls that failed.
    let errors: Int
    /// Thread switches and CPU per call.
    let cost: PerCallCost
}

/// Thread switches while nothing is being called, right after a server's load (timers, heartbeats).
struct IdleResult: Sendable {
    /// Client-process switches per second.
    let clientSwitchesPerSecond: Double
    /// Server-process switches per second.
    let serverSwitchesPerSecond: Double?
}

/// Everything measured for one contender at one payload size.
struct ContenderResult: Sendable {
    var latency: LatencyResult?
    var throughput: [Int: ThroughputResult] = [:]
    var idle: IdleResult?
    /// Why a part of the measurement did not complete, if one did not.
    var failures: [String] = []
}

/// Who is measured: the raw libzmq baseline or one ZRPC configuration.
enum Contender: Hashable, Sendable, CaseIterable {
    case raw
    /// Server `.concurrent` handlers; client callers on the global executor.
    case zrpcConcurrent
    /// Server `.concurrent` handlers; client callers prefer `client.executor` (the I/O thread).
    case zrpcConcurrentClientExecutor
    /// Server `.ioThread` handlers; client callers on the global executor.
    case zrpcIOThread
    /// Server `.ioThread` handlers; client callers prefer `client.executor`.
    case zrpcIOThreadClientExecutor

    /// A short column label.
    var label: String {
        switch self {
        case .raw: "raw libzmq"
        case .zrpcConcurrent: "A"
        case .zrpcConcurrentClientExecutor: "B"
        case .zrpcIOThread: "C"
        case .zrpcIOThreadClientExecutor: "D"
        }
    }

    /// What the configuration is.
    var explanation: String {
        switch self {
        case .raw: "DEALER/ROUTER, no framework"
        case .zrpcConcurrent: "server `.concurrent` handlers (default), client callers on the global executor (default)"
        case .zrpcConcurrentClientExecutor:
            "server `.concurrent` handlers, client callers in `withTaskExecutorPreference(client.executor)` (resume on the client's I/O thread)"
        case .zrpcIOThread: "server `.ioThread` handlers, client callers on the global executor"
        case .zrpcIOThreadClientExecutor: "server `.ioThread` handlers, client callers prefer `client.executor`"
        }
    }

    /// The name `--only` knows it by.
    var flagName: String { self == .raw ? "raw" : label.lowercased() }

    /// The ZRPC contenders.
    static var zrpc: [Contender] { allCases.filter { $0 != .raw } }
}
