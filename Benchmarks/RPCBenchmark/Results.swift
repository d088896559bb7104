import Foundation
import Histogram
import ZRPC

/// What one timed phase did, in totals that add up across rounds: calls, time, failures, and
/// the thread switches and CPU time of both processes.
struct PhaseTotals: Sendable {
    /// Calls completed.
    var calls = 0
    /// Calls that failed.
    var errors = 0
    /// Wall time of the phase.
    var elapsed: Duration = .zero
    /// The client process's (this process's) counters over the phase.
    var client = ProcessCounters()
    /// The server child's counters over the phase; nil when /proc could not be read.
    var server: ProcessCounters? = ProcessCounters()
    /// Requests a ZRPC client sent over the phase, and the messages that carried them (from
    /// `client.statistics`; zero for the raw baselines).
    var requestsSent = 0
    var requestMessagesSent = 0

    /// Adds another round's totals.
    mutating func add(_ other: PhaseTotals) {
        calls += other.calls
        errors += other.errors
        elapsed += other.elapsed
        client.add(other.client)
        requestsSent += other.requestsSent
        requestMessagesSent += other.requestMessagesSent
        if let otherServer = other.server { server?.add(otherServer) } else { server = nil }
    }

    /// Requests per request message, when a ZRPC client counted any.
    var requestsPerMessage: Double? {
        requestMessagesSent > 0 ? Double(requestsSent) / Double(requestMessagesSent) : nil
    }

    /// Completed calls per second.
    var callsPerSecond: Double {
        let seconds = seconds(elapsed)
        return seconds > 0 ? Double(calls) / seconds : 0
    }

    /// Thread switches and CPU per call.
    var perCall: PerCallCost {
        let calls = Double(max(calls, 1))
        return PerCallCost(
            clientSwitches: Double(client.switches) / calls,
            serverSwitches: server.map { Double($0.switches) / calls },
            clientCPUMicros: Double(client.cpuNanoseconds) / 1_000 / calls,
            serverCPUMicros: server.map { Double($0.cpuNanoseconds) / 1_000 / calls }
        )
    }
}

/// Thread switches and CPU per call, in each process.
struct PerCallCost: Sendable {
    /// Client-process thread switches per call.
    var clientSwitches: Double
    /// Server-process thread switches per call (nil if the server's counters could not be read).
    var serverSwitches: Double?
    /// Client-process CPU microseconds per call.
    var clientCPUMicros: Double
    /// Server-process CPU microseconds per call.
    var serverCPUMicros: Double?
}

/// Everything measured for one contender at one payload size, accumulated over rounds.
struct ContenderResult: Sendable {
    /// Round trips of sequential calls, microseconds.
    var latency = Self.makeHistogram()
    /// Totals of the sequential-call phases.
    var latencyTotals = PhaseTotals()
    /// Totals of the throughput phases, by calls in flight.
    var throughput: [Int: PhaseTotals] = [:]
    /// Why a part of the measurement did not complete or had errors.
    var failures: [String] = []

    /// Adds another round.
    mutating func add(_ other: ContenderResult) {
        latency.add(other.latency)
        latencyTotals.add(other.latencyTotals)
        for (inFlight, totals) in other.throughput {
            throughput[inFlight, default: PhaseTotals()].add(totals)
        }
        failures += other.failures
    }

    /// Median round trip, µs; nil when nothing was timed.
    var p50: Double? { latency.totalCount > 0 ? Double(latency.valueAtPercentile(50)) : nil }
    /// 99th percentile round trip, µs.
    var p99: Double? { latency.totalCount > 0 ? Double(latency.valueAtPercentile(99)) : nil }

    /// An empty histogram for round trips of 1 µs to 60 s, 3 significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: 60_000_000,
            numberOfSignificantValueDigits: .three
        )
    }
}

/// Thread switches while nothing is called, right after a short load with the client still open:
/// timers, heartbeats and polling that go on by themselves. Counted per slice of the idle window.
struct IdleResult: Sendable {
    /// Calls completed during the load.
    var loadCalls: Int
    /// The length of each slice.
    var slice: Duration
    /// This process's switches in each slice.
    var clientSwitches: [UInt64]
    /// The server child's switches in each slice (empty if its counters could not be read).
    var serverSwitches: [UInt64]

    /// Counts switches in `slices` slices of `slice`, sleeping the calling thread (call it on a
    /// dedicated thread, not a pool thread).
    static func measure(server: ServerCounters, loadCalls: Int, slice: Duration, slices: Int) -> IdleResult {
        var result = IdleResult(loadCalls: loadCalls, slice: slice, clientSwitches: [], serverSwitches: [])
        var client = ProcessCounters.current()
        var serverCounters = server.read()
        for _ in 0..<max(slices, 1) {
            Thread.sleep(forTimeInterval: seconds(slice))
            let clientNow = ProcessCounters.current()
            result.clientSwitches.append(clientNow.since(client).switches)
            client = clientNow
            if let before = serverCounters, let now = server.read() {
                result.serverSwitches.append(now.since(before).switches)
                serverCounters = now
            } else {
                serverCounters = nil
            }
        }
        if result.serverSwitches.count != result.clientSwitches.count { result.serverSwitches = [] }
        return result
    }
}

/// The server children.
enum ServerKind: Hashable, Sendable, CaseIterable {
    case raw
    /// The raw server that decodes each call and encodes its reply (P32's).
    case rawProtobuf
    case zrpcDefaults
    case zrpcConcurrentHandlers
    /// The default server with CURVE, the driver's client key on its allow-list (F's).
    case zrpcCurve

    /// The child's arguments; the default server announces itself to the driver's directory.
    func arguments(directoryEndpoint: String) -> [String] {
        switch self {
        case .raw: ["serve-raw"]
        case .rawProtobuf: ["serve-raw", "--protobuf"]
        case .zrpcDefaults: ["serve-zrpc", "--directory", directoryEndpoint]
        case .zrpcConcurrentHandlers: ["serve-zrpc", "--concurrent"]
        // Keys made for this run only, so passing the server's secret key on the command line is harmless.
        case .zrpcCurve: ["serve-zrpc", "--curve", BenchmarkKeys.server.secretKey, BenchmarkKeys.client.publicKey]
        }
    }

    /// A label for tables.
    var label: String {
        switch self {
        case .raw: "raw ROUTER server"
        case .rawProtobuf: "raw ROUTER server decoding each call"
        case .zrpcDefaults: "ZRPC server, default configuration (handlers `.adaptive`)"
        case .zrpcConcurrentHandlers: "ZRPC server with `.concurrent` handlers"
        case .zrpcCurve: "ZRPC server, default configuration, CURVE with a ZAP allow-list"
        }
    }
}

/// Who is measured: the raw libzmq baseline or one ZRPC configuration.
enum Contender: Hashable, Sendable, CaseIterable {
    case raw
    /// Raw libzmq again, but each message carries ZRPC's frames (delimiter, signature, a real
    /// encoded request header, payload): the cost of the protocol's framing with no framework.
    case rawZRPCFrames
    /// Raw libzmq with ZRPC's frames, as in ``rawZRPCFrames``, but each throughput message carries
    /// ``batchedCallsPerMessage`` calls in ZRPC's batch layout: what those messages cost libzmq
    /// alone.
    case rawZRPCBatches
    /// R32's messages, but both sides do the protobuf-c work ZRPC cannot skip and nothing more:
    /// each call's header and request are encoded when sent and decoded by the server, which
    /// encodes a response header and the reply that the client decodes.
    case rawZRPCProtobuf
    /// The defaults: server handlers `.adaptive`; client callers on the global executor.
    case zrpcDefaults
    /// Server defaults; client callers prefer `client.executor` (the I/O thread).
    case zrpcDefaultsClientExecutor
    /// Server `.concurrent` handlers; client callers on the global executor.
    case zrpcConcurrentHandlers
    /// Server `.concurrent` handlers; client callers prefer `client.executor`.
    case zrpcConcurrentHandlersClientExecutor
    /// A's server and callers, but the client finds the server through a `ServiceDirectory`
    /// (it names the service, not the endpoint).
    case zrpcDirectory
    /// A's server and callers over CURVE (the server's ZAP allow-list holds the client's key).
    case zrpcCurve

    /// A short column label.
    var label: String {
        switch self {
        case .raw: "raw libzmq"
        case .rawZRPCFrames: "R4"
        case .rawZRPCBatches: "R32"
        case .rawZRPCProtobuf: "P32"
        case .zrpcDefaults: "A"
        case .zrpcDefaultsClientExecutor: "B"
        case .zrpcConcurrentHandlers: "C"
        case .zrpcConcurrentHandlersClientExecutor: "D"
        case .zrpcDirectory: "E"
        case .zrpcCurve: "F"
        }
    }

    /// The name `--only` knows it by.
    var flagName: String { self == .raw ? "raw" : label.lowercased() }

    /// Whether it measures ZRPC (the goals apply), rather than a raw libzmq baseline.
    var isZRPC: Bool { server != .raw && server != .rawProtobuf }

    /// The main table's column title.
    var columnTitle: String {
        switch self {
        case .raw: label
        case .rawZRPCFrames: "raw, ZRPC frames (\(label))"
        case .rawZRPCBatches: "raw, ZRPC batches (\(label))"
        case .rawZRPCProtobuf: "raw, batches + protobuf-c (\(label))"
        case .zrpcDefaults, .zrpcDefaultsClientExecutor, .zrpcConcurrentHandlers, .zrpcConcurrentHandlersClientExecutor,
            .zrpcDirectory, .zrpcCurve:
            "ZRPC \(label)"
        }
    }

    /// The most calls a ZRPC peer puts in one message (docs/PROTOCOL.md, "Batches"), which R32's
    /// throughput messages carry.
    static let batchedCallsPerMessage = 32

    /// Whether it is a raw client that sends ZRPC's frames.
    var sendsZRPCFrames: Bool { self == .rawZRPCFrames || self == .rawZRPCBatches || self == .rawZRPCProtobuf }

    /// Calls in each of a raw client's throughput messages.
    var rawCallsPerMessage: Int {
        self == .rawZRPCBatches || self == .rawZRPCProtobuf ? Self.batchedCallsPerMessage : 1
    }

    /// Whether a raw client encodes each call and decodes each reply.
    var encodesEachCall: Bool { self == .rawZRPCProtobuf }

    /// The server child it talks to.
    var server: ServerKind {
        switch self {
        case .raw, .rawZRPCFrames, .rawZRPCBatches: .raw
        case .rawZRPCProtobuf: .rawProtobuf
        case .zrpcDefaults, .zrpcDefaultsClientExecutor: .zrpcDefaults
        case .zrpcConcurrentHandlers, .zrpcConcurrentHandlersClientExecutor: .zrpcConcurrentHandlers
        case .zrpcDirectory: .zrpcDefaults
        case .zrpcCurve: .zrpcCurve
        }
    }

    /// Whether its client callers prefer `client.executor`.
    var callersOnClientExecutor: Bool {
        self == .zrpcDefaultsClientExecutor || self == .zrpcConcurrentHandlersClientExecutor
    }

    /// What the configuration is.
    var explanation: String {
        switch self {
        case .raw: "DEALER client, ROUTER echo server in a blocking loop; no framework"
        case .rawZRPCFrames:
            "the raw client and server again, each message carrying ZRPC's four frames (empty delimiter, signature, "
                + "an encoded request header, payload) instead of one: what ZRPC's framing costs libzmq, with no framework"
        case .rawZRPCBatches:
            "R4's client and server, but each throughput message carries \(Self.batchedCallsPerMessage) calls in ZRPC's batch layout "
                + "(delimiter, signature, then a header and a payload per call; latency still sends one call per message): "
                + "what ZRPC's messages cost libzmq alone, with no encoding and no framework"
        case .rawZRPCProtobuf:
            "R32's messages, but the client encodes each call's header and `EchoRequest` when it sends them and decodes each "
                + "reply's header and `EchoReply`, and the server decodes each call and encodes its reply (ZRPC's generated Swift "
                + "types through protobuf-c): the protobuf-c work ZRPC cannot skip and nothing more, in one blocking loop per side. "
                + "The gap between P32 and D is the rest of ZRPC's work per call (I/O loop, tasks, deadlines, routing)"
        case .zrpcDefaults:
            "the defaults: server handlers `.adaptive` (on the I/O thread, watched), client callers on the global executor"
        case .zrpcDefaultsClientExecutor:
            "server defaults, client callers in tasks preferring `client.executor` (resumed on the client's I/O thread, no hop)"
        case .zrpcConcurrentHandlers:
            "server `.concurrent` handlers (the default before `.adaptive`), client callers on the global executor"
        case .zrpcConcurrentHandlersClientExecutor:
            "server `.concurrent` handlers, client callers preferring `client.executor`"
        case .zrpcDirectory:
            "A's server and callers, the client naming the service: it resolves the server through a directory "
                + "(`ServiceDirectory` in the driver process, which A's server announces itself to); calls then go straight to the server"
        case .zrpcCurve:
            "A's server and callers over CURVE: encrypted and authenticated, the client's key on the server's ZAP "
                + "allow-list (docs/SECURITY.md); the gap to A is what CURVE costs"
        }
    }
}

/// The key pairs of a run's CURVE contender (F), made once per driver process.
enum BenchmarkKeys {
    /// The server's pair; the child gets its secret key, the client its public key.
    static let server = makeKeys()
    /// The client's pair; its public key is the server's whole allow-list.
    static let client = makeKeys()

    private static func makeKeys() -> CurveKeys {
        guard let keys = try? CurveKeys.generate() else { fatalError("this libzmq cannot make CURVE keys") }
        return keys
    }
}
