// queue-benchmark: ZRPCQueue's throughput in one run, each figure the median of several rounds.
//
//   swift run -c release queue-benchmark            # the full run: a few minutes
//   swift run -c release queue-benchmark --quick    # a smoke test: well under a minute
//
//   options: --rounds N (default 5), --only pipeline,durable, --messages N (pipeline, 64 B; 1 KiB sends 30 %),
//            --tasks N (durable, per round), --in-flight N (enqueue calls at once), --clients N (producer
//            clients), --batch N (tasks per enqueue call, default 1), --batched N (the extra rows' tasks per
//            call, default 16; 0: none), --credit N (the worker's), --no-fsyncs
//
// Pipelines: raw libzmq PUSH/PULL beside ZRPC's PipelineSender/PipelineReceiver, 64 B and 1 KiB
// protobuf payloads, messages per second, from this process to a receiver child over
// tcp://127.0.0.1. The durable queue: tasks per second from the first enqueue to the last ack
// through a broker child with `synchronous` FULL and NORMAL, with the broker's fsyncs (perf stat),
// commits and mean group-commit batch per task. Progress goes to standard error, the Markdown
// report to standard output, ending with the line
// `queue: pipeline/raw=R durable_full=F/s durable_normal=N/s`; the exit status is 1 if anything failed.
//
// The executable is also its own children: `pull-raw COUNT`, `pull-zrpc COUNT` and `serve-broker
// --database PATH --synchronous full|normal` bind tcp://127.0.0.1:*, print `ENDPOINT <endpoint>`
// and exit as soon as their standard input (a pipe from the driver) closes.
import BenchmarkKit
import Foundation
import Logging

LoggingSystem.bootstrap(StreamLogHandler.standardError)
let arguments = Array(CommandLine.arguments.dropFirst())

switch arguments.first {
case "pull-raw":
    await ParentLink.runChild("pull-raw") {
        try PipelineReceiverChild.runRaw(count: Int(arguments.last ?? "") ?? 100_000)
    }
case "pull-zrpc":
    await ParentLink.runChild("pull-zrpc") {
        try await PipelineReceiverChild.runZRPC(count: Int(arguments.last ?? "") ?? 100_000)
    }
case "serve-broker":
    await ParentLink.runChild("serve-broker") { try await BrokerChild.run(Array(arguments.dropFirst())) }
default:
    // A child that died must not kill the driver when it writes to the child's pipe.
    signal(SIGPIPE, SIG_IGN)
    let options = UsageError.exitOnFailure { () throws(UsageError) in try QueueBenchmarkOptions.parse(arguments) }
    let started = ContinuousClock.now
    var pipeline: [(Payload, PipelineBenchmark.Result)] = []
    if options.parts.contains(.pipeline) {
        for payload in Payload.all(sizes: options.payloadSizes) {
            pipeline.append((payload, await PipelineBenchmark(options: options).run(payload)))
        }
    }
    let durableBenchmark = DurableBenchmark(options: options)
    let durable = options.parts.contains(.durable) ? await durableBenchmark.run() : [:]
    let report = Report(
        options: options,
        commandLine: (["queue-benchmark"] + arguments).joined(separator: " "),
        pipeline: pipeline,
        durable: durable,
        setups: durableBenchmark.setups,
        wallTime: started.duration(to: .now)
    )
    FileHandle.standardOutput.write(Data(report.render().utf8))
    exit(report.failures.isEmpty ? 0 : 1)
}
