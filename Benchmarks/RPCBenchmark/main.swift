// rpc-benchmark: unary echo between two processes over tcp://127.0.0.1 through ZRPC, beside the
// same traffic over raw libzmq (DEALER/ROUTER, no framework) measured in the same run.
//
//   swift run -c release rpc-benchmark            # the full run: a few minutes
//   swift run -c release rpc-benchmark --quick    # a smoke test: well under a minute
//
// For payloads of 64 B and 1 KiB it measures sequential round-trip latency (p50/p99, HdrHistogram)
// and throughput with 1, 16, 64 and 256 calls in flight, plus thread switches and CPU per call in
// both processes, and prints a Markdown table of each ZRPC figure beside its raw-libzmq figure and
// their ratio. Progress goes to standard error; the report to standard output.
//
// The executable is also its own server: the driver starts `rpc-benchmark serve-raw` and
// `rpc-benchmark serve-zrpc [--io-thread]` as child processes, one at a time; each binds
// tcp://127.0.0.1:*, prints `ENDPOINT <endpoint>` and exits when its standard input (a pipe from
// the driver) closes, so no server outlives the driver.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())

switch arguments.first {
case "serve-raw":
    do {
        try RawServer.run()
    } catch {
        FileHandle.standardError.write(Data("serve-raw failed: \(error)\n".utf8))
        exit(1)
    }
case "serve-zrpc":
    do {
        try await ZRPCServerChild.run(ioThread: arguments.dropFirst().contains("--io-thread"))
    } catch {
        FileHandle.standardError.write(Data("serve-zrpc failed: \(error)\n".utf8))
        exit(1)
    }
default:
    let options: BenchmarkOptions
    do {
        options = try BenchmarkOptions.parse(arguments)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(2)
    }
    let started = ContinuousClock.now
    let (payloads, results, failures) = await Driver(options: options).run()
    let report = Report(
        options: options,
        payloads: payloads,
        results: results,
        failures: failures,
        commandLine: (["rpc-benchmark"] + arguments).joined(separator: " "),
        wallTime: started.duration(to: .now)
    )
    FileHandle.standardOutput.write(Data(report.render().utf8))
    let complete = failures.isEmpty && payloads.allSatisfy { payload in
        Contender.allCases.allSatisfy { results[payload.size]?[$0]?.failures.isEmpty ?? false }
    }
    exit(complete ? 0 : 1)
}
