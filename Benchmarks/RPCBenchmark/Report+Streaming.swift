import Foundation

extension Report {
    /// The p50 goal for the defaults: at most this many times raw libzmq's.
    static let latencyGoal = 1.5
    /// The throughput goal for the defaults (64 in flight): at least this fraction of raw libzmq's.
    static let throughputGoal = 0.45

    /// The streaming row: median messages per second of each side, the rounds, and the ratio.
    func streamTable() -> [String] {
        guard let stream = outcome.stream else { return [] }
        var lines = [
            "## Streaming: one stream from a server process, \(StreamBenchmark.messageBytes)-byte messages",
            "",
            "ZRPC server streaming (`echo.EchoStream/Echoes`, default server and client configuration, credit "
                + "window 128) beside raw libzmq PUSH/PULL sending payloads of the same size (HWM 1,000); "
                + "messages per second from the first message received to the last, median of the rounds.",
            "",
            "| | messages/s (median) | rounds | ZRPC ÷ raw |",
            "|---|---:|---|---:|",
        ]
        let raw = Self.median(stream.raw)
        let zrpc = Self.median(stream.zrpc)
        lines.append("| raw PUSH/PULL | \(Self.count(raw)) | \(stream.raw.map(Self.count).joined(separator: ", ")) | |")
        lines.append(
            "| ZRPC stream | \(Self.count(zrpc)) | \(stream.zrpc.map(Self.count).joined(separator: ", ")) | "
                + "\(Self.quotient(zrpc, raw).map { String(format: "%.2f×", $0) } ?? "–") |"
        )
        return lines
    }

    /// The last line, for scripts (`../shared/tools/ab-bench.sh` compares it between two builds):
    /// the defaults (A) at 64 B, or the smallest payload measured, and the streaming ratio.
    func summary() -> String {
        let payload = outcome.payloads.first { $0.size == 64 } ?? outcome.payloads.min { $0.size < $1.size }
        let latency = payload.flatMap { Self.quotient(value(.p50, .zrpcDefaults, $0), value(.p50, .raw, $0)) }
        let throughput = payload.flatMap {
            Self.quotient(value(.throughput(64), .zrpcDefaults, $0), value(.throughput(64), .raw, $0))
        }
        let stream = outcome.stream.flatMap { Self.quotient(Self.median($0.zrpc), Self.median($0.raw)) }
        func field(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "nan" }
        return "rpc: p50/raw=\(field(latency)) throughput64/raw=\(field(throughput)) stream/raw=\(field(stream))"
    }

    private static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func count(_ value: Double?) -> String {
        value.map { String(format: "%.0f", $0) } ?? "–"
    }
}
