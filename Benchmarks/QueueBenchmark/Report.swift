import BenchmarkKit
import Foundation
import ZRPCQueue

/// The report: a Markdown table of every measurement (median and spread over the rounds), the
/// failures, and the summary line `queue: pipeline/raw=R durable_full=F/s durable_normal=N/s` last.
struct Report {
    let options: QueueBenchmarkOptions
    let commandLine: String
    let pipeline: [(Payload, PipelineBenchmark.Result)]
    let durable: [DurableBenchmark.Setup: DurableBenchmark.Result]
    let setups: [DurableBenchmark.Setup]
    let wallTime: Duration

    var failures: [String] {
        pipeline.flatMap(\.1.failures)
            + setups.flatMap { durable[$0]?.failures ?? [] }
    }

    func render() -> String {
        var lines = reportHead(
            title: "queue-benchmark",
            commandLine: commandLine,
            rounds: options.rounds,
            wallTime: wallTime
        )
        for (payload, result) in pipeline {
            let count = options.messages[payload.size] ?? 0
            lines.append(
                medianRow(
                    "pipeline \(payload.label), raw PUSH/PULL (msg/s, \(count) per round)",
                    result.raw,
                    formatRate
                )
            )
            lines.append(
                medianRow("pipeline \(payload.label), ZRPC PipelineSender/Receiver (msg/s)", result.zrpc, formatRate)
            )
            lines.append(medianRow("pipeline \(payload.label), ZRPC/raw (per round)", result.ratios) { format($0, 2) })
        }
        for setup in setups {
            guard let samples = durable[setup]?.samples else { continue }
            let name = "durable \(setup.label)"
            lines.append(
                medianRow("\(name): tasks/s, enqueue → delivered → acked", samples.map(\.rate)) {
                    "\(Int($0.rounded()))"
                }
            )
            let fsyncs = samples.compactMap(\.fsyncsPerTask)
            if !fsyncs.isEmpty {
                lines.append(medianRow("\(name): fsyncs/task (perf stat on the broker)", fsyncs) { format($0, 3) })
            }
            lines.append(medianRow("\(name): commits/task", samples.map(\.commitsPerTask)) { format($0, 3) })
            lines.append(
                medianRow("\(name): mean commit batch (jobs/commit)", samples.map(\.jobsPerCommit)) { format($0, 1) }
            )
        }
        lines.append("")
        lines.append(
            "Pipeline: one sending thread or task in this process, one receiving thread or task in a child, "
                + "tcp://127.0.0.1, both sending the pipeline's two frames (ZRPP01 + the encoded message). "
                + "Durable: broker in a child process, \(options.inFlight) enqueue calls in flight over "
                + "\(options.producerClients) client(s), \(options.batch) task(s) per call unless the row says "
                + "otherwise, one worker with credit "
                + "\(options.workerCredit), \(options.tasks) tasks per round after \(options.warmupTasks) warm-up."
        )
        for failure in failures {
            lines.append("- FAILED: \(failure)")
        }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `queue: pipeline/raw=R durable_full=F/s durable_normal=N/s`, with the 64 B ratio.
    var summary: String {
        let ratio = pipeline.first { $0.0.size == 64 }.flatMap { median($0.1.ratios) }
        let full = durable[.init(level: .full, batch: options.batch)].flatMap { median($0.samples.map(\.rate)) }
        let normal = durable[.init(level: .normal, batch: options.batch)].flatMap { median($0.samples.map(\.rate)) }
        return "queue: pipeline/raw=\(ratio.map { format($0, 2) } ?? "n/a") "
            + "durable_full=\(full.map { "\(Int($0.rounded()))" } ?? "n/a")/s "
            + "durable_normal=\(normal.map { "\(Int($0.rounded()))" } ?? "n/a")/s"
    }
}
