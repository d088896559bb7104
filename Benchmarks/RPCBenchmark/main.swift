// rpc-benchmark: unary echo between two processes over tcp://127.0.0.1 through ZRPC, beside the
// same traffic over raw libzmq (DEALER/ROUTER, no framework) measured in the same run.
//
//   swift run -c release rpc-benchmark            # the full run: about four minutes
//   swift run -c release rpc-benchmark --quick    # a smoke test: well under a minute
//
//   options: --only P32,D (a subset of the contenders: R4, R32, P32, A, B, C, D, E, F; raw is always measured)
//            --payload 64,1024 (encoded request sizes in bytes)
//            --in-flight 1,64 (the throughput points)
//   rpc-benchmark first-call [COUNT]   # diagnostic: the first call of COUNT new clients
//   rpc-benchmark in-process [CALLS] [IN-FLIGHT] [PAYLOAD]   # diagnostic: client and server in one process
//
// For payloads of 64 B and 1 KiB it measures sequential round-trip latency (p50/p99, HdrHistogram)
// and throughput with 1, 16, 64 and 256 calls in flight, plus thread switches and CPU per call in
// both processes, then messages per second on one server stream beside raw PUSH/PULL, and prints a
// Markdown table of each ZRPC figure beside its raw-libzmq figure and
// their ratio. Contenders are measured in interleaved rounds so that a noisy minute on a shared
// machine does not land on one of them only. Progress goes to standard error, the report to
// standard output; the exit status is 1 if any call failed.
//
// The executable is also its own server: the driver starts `rpc-benchmark serve-raw`,
// `rpc-benchmark serve-raw --protobuf`, `rpc-benchmark serve-zrpc` and
// `rpc-benchmark serve-zrpc --concurrent`, `rpc-benchmark serve-zrpc --curve SECRET CLIENT` (F: CURVE, with
// keys made for the run) (and, for the streaming row, `rpc-benchmark serve-push
// COUNT SIZE`) as child processes; each
// binds tcp://127.0.0.1:*, prints `ENDPOINT <endpoint>` and exits as soon as its standard input
// (a pipe from the driver) closes, so no server outlives the driver, however the driver ends.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())

switch arguments.first {
case "serve-raw":
    do {
        try RawServer.run(protobuf: arguments.dropFirst().contains("--protobuf"))
    } catch {
        FileHandle.standardError.write(Data("serve-raw failed: \(error)\n".utf8))
        exit(1)
    }
case "serve-zrpc":
    do {
        let flags = Array(arguments.dropFirst())
        let directory = flags.firstIndex(of: "--directory").flatMap {
            flags.indices.contains($0 + 1) ? flags[$0 + 1] : nil
        }
        let curve = flags.firstIndex(of: "--curve").flatMap { index in
            flags.indices.contains(index + 2) ? (secretKey: flags[index + 1], client: flags[index + 2]) : nil
        }
        try await ZRPCServerChild.run(concurrent: flags.contains("--concurrent"), directory: directory, curve: curve)
    } catch {
        FileHandle.standardError.write(Data("serve-zrpc failed: \(error)\n".utf8))
        exit(1)
    }
case "serve-push":
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    do {
        try PushServer.run(count: numbers.first ?? 100_000, size: numbers.dropFirst().first ?? 64)
    } catch {
        FileHandle.standardError.write(Data("serve-push failed: \(error)\n".utf8))
        exit(1)
    }
case "in-process":
    let numbers = arguments.dropFirst().compactMap { Int($0) }
    do {
        try await InProcessProbe.run(
            calls: numbers.first ?? 20_000,
            inFlight: numbers.dropFirst().first ?? 64,
            payloadSize: numbers.dropFirst(2).first ?? 64
        )
    } catch {
        FileHandle.standardError.write(Data("in-process failed: \(error)\n".utf8))
        exit(1)
    }
case "first-call":
    signal(SIGPIPE, SIG_IGN)
    do {
        try await FirstCallProbe.run(count: arguments.dropFirst().first.flatMap { Int($0) }.map { max($0, 1) } ?? 50)
    } catch {
        FileHandle.standardError.write(Data("first-call failed: \(error)\n".utf8))
        exit(1)
    }
default:
    // A child that died must not kill the driver when it asks for the child's counters.
    signal(SIGPIPE, SIG_IGN)
    let options: BenchmarkOptions
    do {
        options = try BenchmarkOptions.parse(arguments)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(2)
    }
    let started = ContinuousClock.now
    let outcome = await Driver(options: options).run()
    let report = Report(
        options: options,
        outcome: outcome,
        commandLine: (["rpc-benchmark"] + arguments).joined(separator: " "),
        wallTime: started.duration(to: .now)
    )
    FileHandle.standardOutput.write(Data(report.render().utf8))
    let complete =
        outcome.failures.isEmpty && (outcome.stream?.failures.isEmpty ?? true)
        && outcome.payloads.count == options.payloadSizes.count
        && outcome.payloads.allSatisfy { payload in
            options.contenders.allSatisfy { outcome.results[payload.size]?[$0]?.failures.isEmpty ?? false }
        }
    exit(complete ? 0 : 1)
}
