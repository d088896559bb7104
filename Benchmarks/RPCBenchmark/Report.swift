import Foundation
import ZeroMQ

/// Formats the results as Markdown: context, the main table (each ZRPC figure beside the raw
/// libzmq figure and their ratio), thread switches and CPU per call, idle wake-ups, the goals.
struct Report {
    let options: BenchmarkOptions
    let payloads: [Payload]
    let results: Driver.Results
    let failures: [String]
    let commandLine: String
    let wallTime: Duration

    /// One row of the tables: a shape of traffic.
    private enum Shape: Hashable {
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

    /// The whole report.
    func render() -> String {
        var out: [String] = []
        out.append("# rpc-benchmark: ZRPC unary echo vs raw libzmq")
        out.append("")
        out.append("- command: `\(commandLine)`\(options.quick ? " (quick smoke run: short phases, figures are rough)" : "")")
        out.append("- machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs; libzmq \(ZeroMQVersion.current); one run on a shared, noisy 2-core VM: compare ratios (both sides measured minutes apart in the same run), not absolute figures; run-to-run spread is easily ±10–20%")
        out.append("- traffic: unary echo over tcp://127.0.0.1 between this process (client) and a child process (server); only one server runs at a time; payload = encoded `EchoRequest` (the raw baseline sends the same bytes as one frame; ZRPC adds its delimiter, signature and header frames)")
        out.append("- latency: \(options.latencyCalls) sequential calls after \(options.warmupCalls) warm-up calls (HdrHistogram, µs); throughput: \(options.throughputDuration) per point after a \(options.throughputWarmup) warm-up; raw pipelining keeps N messages outstanding on one DEALER, ZRPC runs N tasks each awaiting calls in a loop")
        out.append("- wall time: \(String(format: "%.0f", seconds(wallTime))) s")
        out.append("")
        out.append("Contenders:")
        for contender in Contender.allCases {
            out.append("- **\(contender.label)**: \(contender.explanation)")
        }
        out.append("")
        out.append("Ratio = ZRPC ÷ raw. Latency: lower is better (1.00× = as fast as raw). Throughput: higher is better (1.00× = as fast as raw).")
        out.append("")
        out.append(contentsOf: mainTable())
        out.append("")
        out.append("## Thread switches per call (client process + server process)")
        out.append("")
        out.append(contentsOf: costTable { cost in
            Self.pair(cost.clientSwitches, cost.serverSwitches, format: "%.1f")
        })
        out.append("")
        out.append("## CPU per call, µs (client process + server process)")
        out.append("")
        out.append(contentsOf: costTable { cost in
            Self.pair(cost.clientCPUMicros, cost.serverCPUMicros, format: "%.1f")
        })
        out.append("")
        out.append(contentsOf: idleTable())
        out.append("")
        out.append(contentsOf: goals())
        let allFailures = failures + payloads.flatMap { payload in
            Contender.allCases.flatMap { results[payload.size]?[$0]?.failures ?? [] }
        }
        if !allFailures.isEmpty {
            out.append("")
            out.append("## Errors and failures")
            out.append("")
            out.append(contentsOf: allFailures.map { "- \($0)" })
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func mainTable() -> [String] {
        var header = "| shape | payload | raw libzmq |"
        var rule = "|---|---|---:|"
        for contender in Contender.zrpc {
            header += " ZRPC \(contender.label) | \(contender.label) ÷ raw |"
            rule += "---:|---:|"
        }
        var lines = [header, rule]
        for payload in payloads {
            for shape in shapes {
                let raw = value(shape, .raw, payload)
                var line = "| \(shape.label) | \(payload.label) | \(Self.format(raw, shape)) |"
                for contender in Contender.zrpc {
                    let zrpc = value(shape, contender, payload)
                    line += " \(Self.format(zrpc, shape)) | \(Self.ratio(zrpc, raw)) |"
                }
                lines.append(line)
            }
        }
        return lines
    }

    private func costTable(_ cell: (PerCallCost) -> String) -> [String] {
        var lines = ["| shape | payload |" + Contender.allCases.map { " \($0.label) |" }.joined()]
        lines.append("|---|---|" + String(repeating: "---:|", count: Contender.allCases.count))
        for payload in payloads {
            for shape in shapes where shape != .p99 {
                let label = shape == .p50 ? "sequential (latency run)" : shape.label
                var line = "| \(label) | \(payload.label) |"
                for contender in Contender.allCases {
                    line += " \(cost(shape, contender, payload).map(cell) ?? "–") |"
                }
                lines.append(line)
            }
        }
        return lines
    }

    private func idleTable() -> [String] {
        var lines = [
            "## Idle thread switches per second (client + server), in the \(options.idleWindow) right after each server's load",
            "",
            "Timers, heartbeats and polling that go on with no calls. ZRPC sockets heartbeat every second.",
            "",
            "| payload | raw libzmq | ZRPC server `.concurrent` | ZRPC server `.ioThread` |",
            "|---|---:|---:|---:|",
        ]
        for payload in payloads {
            let cells = [Contender.raw, .zrpcConcurrent, .zrpcIOThread].map { contender -> String in
                guard let idle = results[payload.size]?[contender]?.idle else { return "–" }
                return Self.pair(idle.clientSwitchesPerSecond, idle.serverSwitchesPerSecond, format: "%.0f")
            }
            lines.append("| \(payload.label) | " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    private func goals() -> [String] {
        var lines = [
            "## Goals: p50 latency ≤ 1.5× raw; throughput at 64 in flight ≥ 0.5× raw",
            "",
            "| payload | contender | p50 ÷ raw | p50 goal | throughput@64 ÷ raw | throughput goal |",
            "|---|---|---:|---|---:|---|",
        ]
        for payload in payloads {
            for contender in Contender.zrpc {
                let latency = Self.quotient(value(.p50, contender, payload), value(.p50, .raw, payload))
                let throughput = Self.quotient(value(.throughput(64), contender, payload), value(.throughput(64), .raw, payload))
                lines.append(
                    "| \(payload.label) | \(contender.label) | \(latency.map { String(format: "%.2f×", $0) } ?? "–") | "
                        + "\(latency.map { $0 <= 1.5 ? "met" : "**missed**" } ?? "–") | "
                        + "\(throughput.map { String(format: "%.2f×", $0) } ?? "–") | "
                        + "\(throughput.map { $0 >= 0.5 ? "met" : "**missed**" } ?? "–") |"
                )
            }
        }
        return lines
    }

    // MARK: Values

    private func value(_ shape: Shape, _ contender: Contender, _ payload: Payload) -> Double? {
        guard let result = results[payload.size]?[contender] else { return nil }
        switch shape {
        case .p50: return result.latency.map { Double($0.p50) }
        case .p99: return result.latency.map { Double($0.p99) }
        case .throughput(let inFlight): return result.throughput[inFlight]?.callsPerSecond
        }
    }

    private func cost(_ shape: Shape, _ contender: Contender, _ payload: Payload) -> PerCallCost? {
        guard let result = results[payload.size]?[contender] else { return nil }
        switch shape {
        case .p50, .p99: return result.latency?.cost
        case .throughput(let inFlight): return result.throughput[inFlight]?.cost
        }
    }

    private static func format(_ value: Double?, _ shape: Shape) -> String {
        guard let value else { return "–" }
        return shape.lowerIsBetter ? String(format: "%.0f", value) : grouped(Int(value.rounded()))
    }

    private static func quotient(_ zrpc: Double?, _ raw: Double?) -> Double? {
        guard let zrpc, let raw, raw > 0 else { return nil }
        return zrpc / raw
    }

    private static func ratio(_ zrpc: Double?, _ raw: Double?) -> String {
        quotient(zrpc, raw).map { String(format: "%.2f×", $0) } ?? "–"
    }

    private static func pair(_ client: Double, _ server: Double?, format: String) -> String {
        String(format: format, client) + " + " + (server.map { String(format: format, $0) } ?? "?")
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
