import Foundation
import ZeroMQ

/// Formats the results as Markdown: context, the main table (each ZRPC figure beside the raw
/// libzmq figure and their ratio), thread switches and CPU per call, idle wake-ups, the goals.
struct Report {
    let options: BenchmarkOptions
    let outcome: Driver.Outcome
    let commandLine: String
    let wallTime: Duration

    /// One row of the tables: a shape of traffic.
    enum Shape: Hashable {
        case p50
        case p99
        case throughput(Int)

        var label: String {
            switch self {
            case .p50: "p50 latency, µs"
            case .p99: "p99 latency, µs"
            case .throughput(let inFlight): "throughput, calls/s, \(inFlight) in flight"
            }
        }

        var lowerIsBetter: Bool {
            if case .throughput = self { return false }
            return true
        }
    }

    private var shapes: [Shape] { [.p50, .p99] + options.inFlightLevels.map { Shape.throughput($0) } }
    /// The contenders measured, in column order.
    private var measured: [Contender] { Contender.allCases.filter(options.contenders.contains) }
    private var measuredBesideRaw: [Contender] { measured.filter { $0 != .raw } }

    /// The whole report.
    func render() -> String {
        var out: [String] = []
        out.append("# rpc-benchmark: ZRPC unary echo vs raw libzmq")
        out.append("")
        out.append(
            "- command: `\(commandLine)`\(options.quick ? " (quick smoke run: short phases, one round, figures are rough)" : "")"
        )
        out.append(
            "- machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, libzmq \(ZeroMQVersion.current). "
                + "One run on a shared, noisy 2-core VM: read the ratios, not the absolute figures; runs differ by ±20% or more."
        )
        out.append(
            "- traffic: unary echo over tcp://127.0.0.1, client in this process, each server in a child process. "
                + "Payload = the encoded `EchoRequest` (\(outcome.payloads.map { "\($0.label): text of \($0.request.text.utf8.count) bytes" }.joined(separator: ", "))); "
                + "the raw baseline sends the same bytes as one frame per message; ZRPC adds a header frame per call and a delimiter and "
                + "signature per message, and puts the calls a loop round produces for one peer in one message (up to 32)."
        )
        out.append(
            "- per contender and payload: \(options.rounds) round(s) interleaved with the other contenders (order rotated each round); "
                + "each round = \(options.warmupCallsPerRound) warm-up calls, \(options.latencyCallsPerRound) timed sequential calls "
                + "(HdrHistogram, µs), then per throughput point \(Self.text(options.throughputWarmup)) warm-up + "
                + "\(Self.text(options.throughputDurationPerRound)) timed. Raw pipelining keeps N messages outstanding on one DEALER; "
                + "ZRPC runs N tasks each awaiting calls in a loop."
        )
        out.append("- wall time: \(String(format: "%.0f", seconds(wallTime))) s")
        out.append("")
        out.append("Contenders:")
        for contender in measured {
            out.append("- **\(contender.label)**: \(contender.explanation)")
        }
        out.append("")
        out.append(
            "Ratio = ZRPC ÷ raw. Latency: lower is better (1.00× = as fast as raw). Throughput: higher is better (1.00× = as fast as raw)."
        )
        out.append("")
        out.append(contentsOf: mainTable())
        out.append("")
        out.append("## Thread switches per call (client process + server process)")
        out.append("")
        out.append(
            contentsOf: costTable { cost in Self.pair(cost.clientSwitches, cost.serverSwitches, format: "%.1f") }
        )
        out.append("")
        out.append("## CPU per call, µs (client process + server process)")
        out.append("")
        out.append(
            contentsOf: costTable { cost in Self.pair(cost.clientCPUMicros, cost.serverCPUMicros, format: "%.1f") }
        )
        out.append("")
        out.append(contentsOf: batchingTable())
        out.append("")
        out.append(contentsOf: idleTable())
        out.append("")
        out.append(contentsOf: streamTable())
        out.append("")
        out.append(contentsOf: goals())
        let failures =
            outcome.failures + (outcome.stream?.failures ?? [])
            + outcome.payloads.flatMap { payload in
                measured.flatMap { outcome.results[payload.size]?[$0]?.failures ?? [] }
            }
        out.append("")
        out.append("## Errors and failures")
        out.append("")
        out.append(
            contentsOf: failures.isEmpty
                ? ["None: every call succeeded and every reply had the request's size."] : failures.map { "- \($0)" }
        )
        out.append("")
        out.append(detailSummary())
        out.append(summary())
        return out.joined(separator: "\n") + "\n"
    }

    /// Every contender's goal ratios as `key=value` fields, the line before the summary.
    private func detailSummary() -> String {
        var fields: [String] = []
        for payload in outcome.payloads {
            let size = payload.label.filter { $0 != " " }
            for contender in measuredBesideRaw where contender.isZRPC || contender == .rawZRPCProtobuf {
                if let latency = Self.quotient(value(.p50, contender, payload), value(.p50, .raw, payload)) {
                    fields.append("\(contender.label).p50/raw.\(size)=" + String(format: "%.2f", latency))
                }
                if let throughput = Self.quotient(
                    value(.throughput(64), contender, payload),
                    value(.throughput(64), .raw, payload)
                ) {
                    fields.append("\(contender.label).throughput64/raw.\(size)=" + String(format: "%.2f", throughput))
                }
            }
        }
        return "rpc-detail: " + fields.joined(separator: " ")
    }

    private func mainTable() -> [String] {
        var header = "| shape | payload | raw libzmq |"
        var rule = "|---|---|---:|"
        for contender in measuredBesideRaw {
            header += " \(contender.columnTitle) | \(contender.label) ÷ raw |"
            rule += "---:|---:|"
        }
        var lines = [header, rule]
        for payload in outcome.payloads {
            for shape in shapes {
                let raw = value(shape, .raw, payload)
                var line = "| \(shape.label) | \(payload.label) | \(Self.format(raw, shape)) |"
                for contender in measuredBesideRaw {
                    let zrpc = value(shape, contender, payload)
                    line += " \(Self.format(zrpc, shape)) | \(Self.ratio(zrpc, raw)) |"
                }
                lines.append(line)
            }
        }
        return lines
    }

    private func costTable(_ cell: (PerCallCost) -> String) -> [String] {
        var lines = ["| shape | payload |" + measured.map { " \($0.label) |" }.joined()]
        lines.append("|---|---|" + String(repeating: "---:|", count: measured.count))
        for payload in outcome.payloads {
            for shape in shapes where shape != .p99 {
                let label = shape == .p50 ? "sequential calls (latency phase)" : "\(Self.inFlight(shape)) in flight"
                var line = "| \(label) | \(payload.label) |"
                for contender in measured {
                    line += " \(totals(shape, contender, payload).map { cell($0.perCall) } ?? "–") |"
                }
                lines.append(line)
            }
        }
        return lines
    }

    /// How many calls a ZRPC client's request messages carried (the raw baseline sends one).
    private func batchingTable() -> [String] {
        let contenders = measuredBesideRaw.filter(\.isZRPC)
        guard !contenders.isEmpty else { return [] }
        var lines = [
            "## Calls per request message (ZRPC client)",
            "",
            "`client.statistics`: requests sent ÷ the messages that carried them. With N calls in flight, N ÷ this is how many "
                + "messages are in flight: a client sends the calls a turn of its I/O thread starts together.",
            "",
            "| shape | payload |" + contenders.map { " \($0.label) |" }.joined(),
            "|---|---|" + String(repeating: "---:|", count: contenders.count),
        ]
        for payload in outcome.payloads {
            for shape in shapes where shape != .p99 {
                let label = shape == .p50 ? "sequential calls (latency phase)" : "\(Self.inFlight(shape)) in flight"
                var line = "| \(label) | \(payload.label) |"
                for contender in contenders {
                    line +=
                        " \(totals(shape, contender, payload)?.requestsPerMessage.map { String(format: "%.1f", $0) } ?? "–") |"
                }
                lines.append(line)
            }
        }
        return lines
    }

    private func idleTable() -> [String] {
        let slice = Self.text(options.idleSlice)
        var lines = [
            "## Idle thread switches, per \(slice) slice (client process / server process)",
            "",
            "After \(Self.text(options.idleProbeLoad)) with 64 calls in flight (\(outcome.payloads.first?.label ?? "")), the client stays open "
                + "but calls nothing; each column is one \(slice) slice after the load. What remains is timers, heartbeats "
                + "(ZRPC sockets heartbeat every second) and polling. Every ZRPC call has a deadline timer (5 s here); "
                + "a burst 5 s after the load would mean finished calls' timers still wake the I/O threads.",
            "",
        ]
        let slices = max(outcome.idle.values.map(\.clientSwitches.count).max() ?? 0, 1)
        lines.append(
            "| contender | calls in the load |"
                + (0..<slices).map { " +\(Self.text(options.idleSlice * ($0 + 1))) |" }.joined()
        )
        lines.append("|---|---:|" + String(repeating: "---:|", count: slices))
        for contender in [Contender.raw, .zrpcDefaults] {
            guard let idle = outcome.idle[contender] else { continue }
            var line = "| \(contender == .raw ? "raw libzmq" : "ZRPC A") | \(Self.grouped(idle.loadCalls)) |"
            for index in 0..<slices {
                let client = index < idle.clientSwitches.count ? "\(idle.clientSwitches[index])" : "–"
                let server = index < idle.serverSwitches.count ? "\(idle.serverSwitches[index])" : "?"
                line += " \(client) / \(server) |"
            }
            lines.append(line)
        }
        return lines
    }

    private func goals() -> [String] {
        var lines = [
            "## Goals: p50 latency ≤ \(Self.latencyGoal)× raw; throughput at 64 in flight ≥ \(Self.throughputGoal)× raw (A, the defaults)",
            "",
        ]
        if measured.contains(.rawZRPCProtobuf) {
            lines += [
                "P32, for reference: only the protobuf-c work a ZRPC peer cannot skip, in ZRPC's 32-call messages, with no "
                    + "framework. The gap between P32 and a ZRPC row is the framework's own work.",
                "",
            ]
        }
        lines += [
            "| payload | contender | p50 ÷ raw | p50 goal | throughput@64 ÷ raw | throughput goal |",
            "|---|---|---:|---|---:|---|",
        ]
        for payload in outcome.payloads {
            for contender in measuredBesideRaw where contender.isZRPC || contender == .rawZRPCProtobuf {
                let verdict = { (met: Bool) in contender.isZRPC ? (met ? "met" : "**missed**") : "reference" }
                let latency = Self.quotient(value(.p50, contender, payload), value(.p50, .raw, payload))
                let throughput = Self.quotient(
                    value(.throughput(64), contender, payload),
                    value(.throughput(64), .raw, payload)
                )
                lines.append(
                    "| \(payload.label) | \(contender.label) | \(latency.map { String(format: "%.2f×", $0) } ?? "–") | "
                        + "\(latency.map { verdict($0 <= Self.latencyGoal) } ?? "–") | "
                        + "\(throughput.map { String(format: "%.2f×", $0) } ?? "–") | "
                        + "\(throughput.map { verdict($0 >= Self.throughputGoal) } ?? "–") |"
                )
            }
        }
        return lines
    }

    // MARK: Values

    func value(_ shape: Shape, _ contender: Contender, _ payload: Payload) -> Double? {
        guard let result = outcome.results[payload.size]?[contender] else { return nil }
        switch shape {
        case .p50: return result.p50
        case .p99: return result.p99
        case .throughput(let inFlight):
            guard let totals = result.throughput[inFlight], totals.calls > 0 else { return nil }
            return totals.callsPerSecond
        }
    }

    private func totals(_ shape: Shape, _ contender: Contender, _ payload: Payload) -> PhaseTotals? {
        guard let result = outcome.results[payload.size]?[contender] else { return nil }
        let totals: PhaseTotals?
        switch shape {
        case .p50, .p99: totals = result.latencyTotals
        case .throughput(let inFlight): totals = result.throughput[inFlight]
        }
        guard let totals, totals.calls > 0 else { return nil }
        return totals
    }

    private static func inFlight(_ shape: Shape) -> Int {
        if case .throughput(let inFlight) = shape { return inFlight }
        return 1
    }

    private static func format(_ value: Double?, _ shape: Shape) -> String {
        guard let value else { return "–" }
        return shape.lowerIsBetter ? String(format: "%.0f", value) : grouped(Int(value.rounded()))
    }

    static func quotient(_ zrpc: Double?, _ raw: Double?) -> Double? {
        guard let zrpc, let raw, raw > 0 else { return nil }
        return zrpc / raw
    }

    private static func ratio(_ zrpc: Double?, _ raw: Double?) -> String {
        quotient(zrpc, raw).map { String(format: "%.2f×", $0) } ?? "–"
    }

    private static func pair(_ client: Double, _ server: Double?, format: String) -> String {
        String(format: format, client) + " + " + (server.map { String(format: format, $0) } ?? "?")
    }

    /// A duration as `2.4 s` or `200 ms`.
    static func text(_ duration: Duration) -> String {
        let value = seconds(duration)
        return value >= 1 ? String(format: "%.1f s", value) : String(format: "%.0f ms", value * 1_000)
    }

    /// 1234567 → "1,234,567".
    private static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}
