import Foundation
import SoakKit

/// The soak's Markdown summary, written beside its plot.
struct SoakReport {
    let options: SoakOptions
    let result: SoakRun.Result
    let summaryLine: String

    func markdown() -> String {
        let load = result.load
        let orders = result.orders
        let tasks = result.accounting
        let stopped = result.stopFailures.isEmpty ? "none" : result.stopFailures.joined(separator: ", ")
        var lines = ["# Soak report", ""]
        lines.append(
            "- duration: \(options.duration.components.seconds) s, seed \(options.seed), "
                + "\(options.concurrency) load tasks (bursts of twice as many)"
        )
        lines.append(
            "- chaos: \(result.kills) SIGKILLs, \(result.pauses) SIGSTOP/SIGCONT pauses (each marked in the plot)"
        )
        lines.append(
            "- calls through the edges: \(load.calls); degraded answers \(load.degraded); stale reads \(load.staleReads)"
        )
        lines.append(
            "- orders: \(orders.confirmed.count) confirmed (\(orders.attempts) PlaceOrder calls, \(orders.failures) "
                + "failed and retried with the same idempotency key, \(orders.unconfirmed.count) never confirmed)"
        )
        lines.append(
            "- tasks: \(tasks.issued) issued (two per order), \(tasks.acked) acked, \(tasks.deadLettered) dead-lettered, "
                + "\(tasks.lost) lost, \(tasks.unexpected) unexpected, \(tasks.duplicateEffects) duplicate effects"
        )
        lines.append("- processes that did not stop cleanly at the end: \(stopped)")
        lines.append("- processes that exited by themselves (crashed) and were restarted: \(result.crashes.count)")
        if let growth = result.growth {
            lines.append(
                "- largest RSS growth after a warm-up of \(options.warmUp.components.seconds) s: "
                    + String(format: "%.1f%%", growth.percent) + " (\(growth.instance))"
            )
        }
        lines += [
            "", "Resident memory of each process instance that lived at least twice the warm-up, largest growth first:",
            "", "| instance | lived | after warm-up | peak | last | growth |", "|---|---:|---:|---:|---:|---:|",
        ]
        for growth in result.timeline.residentGrowth(afterWarmUp: options.warmUp) {
            func mib(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            lines.append(
                "| \(growth.instance) | \(growth.lived.components.seconds) s | \(mib(growth.baseline)) | \(mib(growth.peak)) "
                    + "| \(mib(growth.last)) | \(String(format: "%.1f%%", growth.percent)) |"
            )
        }
        lines += ["", "| status | calls |", "|---|---:|"]
        for (status, count) in load.byStatus.sorted(by: { $0.value > $1.value }) {
            lines.append("| \(status) | \(count) |")
        }
        lines += ["", "| time | event |", "|---|---|"]
        for event in result.timeline.events where event.text != "burst" {
            lines.append("| \(event.at.components.seconds) s | \(event.text) |")
        }
        for crash in result.crashes {
            lines += ["", "A process exited by itself: \(crash.prefix { $0 != "\n" })", "", "```"]
            lines.append(String(crash.drop { $0 != "\n" }.dropFirst()))
            lines.append("```")
        }
        lines += ["", "![latency, throughput and memory over time](soak.svg)", "", "```", summaryLine, "```", ""]
        return lines.joined(separator: "\n")
    }

    /// Writes `report.md` and `soak.svg` into `folder` (created when missing).
    func write(to folder: String) throws {
        let url = URL(fileURLWithPath: folder, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try markdown().write(to: url.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        let plot = SoakPlot(
            timeline: result.timeline,
            title: "zrpc-soak, \(options.duration.components.seconds) s, seed \(options.seed)"
        )
        try plot.svg().write(to: url.appendingPathComponent("soak.svg"), atomically: true, encoding: .utf8)
    }
}
