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
        var lines: [String] = []
        lines.append("# queue-benchmark")
        lines.append("")
        lines.append(
            "`\(commandLine)`: \(options.rounds) round(s) of each; median (min–max over the rounds); "
                + "wall time \(Int(seconds(wallTime).rounded())) s."
        )
        lines.append("")
        lines.append("| measurement | median | min–max |")
        lines.append("|---|---:|---:|")
        for (payload, result) in pipeline {
            let count = options.messages[payload.size] ?? 0
            lines.append(
                row("pipeline \(payload.label), raw PUSH/PULL (msg/s, \(count) per round)", result.raw, formatRate)
            )
            lines.append(
                row("pipeline \(payload.label), ZRPC PipelineSender/Receiver (msg/s)", result.zrpc, formatRate)
            )
            lines.append(row("pipeline \(payload.label), ZRPC/raw (per round)", result.ratios) { format($0, 2) })
        }
        for setup in setups {
            guard let samples = durable[setup]?.samples else { continue }
            let name = "durable \(setup.label)"
            lines.append(
                row("\(name): tasks/s, enqueue → delivered → acked", samples.map(\.rate)) { "\(Int($0.rounded()))" }
            )
            let fsyncs = samples.compactMap(\.fsyncsPerTask)
            if !fsyncs.isEmpty {
                lines.append(row("\(name): fsyncs/task (perf stat on the broker)", fsyncs) { format($0, 3) })
            }
            lines.append(row("\(name): commits/task", samples.map(\.commitsPerTask)) { format($0, 3) })
            lines.append(
                row("\(name): mean commit batch (jobs/commit)", samples.map(\.jobsPerCommit)) { format($0, 1) }
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

    private func row(_ name: String, _ values: [Double], _ show: (Double) -> String) -> String {
        guard let middle = median(values), let low = values.min(), let high = values.max() else {
            return "| \(name) | n/a | |"
        }
        return "| \(name) | \(show(middle)) | \(show(low))–\(show(high)) |"
    }
}

/// The median of `values` (the mean of the middle two for an even count), nil when empty.
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// `value` with `decimals` decimals.
func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A rate in millions (`1.23 M`) or thousands (`456 k`).
func formatRate(_ value: Double) -> String {
    value >= 1_000_000 ? "\(format(value / 1_000_000, 2)) M" : "\(format(value / 1_000, 0)) k"
}
