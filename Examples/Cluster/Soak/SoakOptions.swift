import BenchmarkKit
import SoakKit

/// zrpc-soak's command line.
struct SoakOptions {
    static let usage = """
        usage: zrpc-soak [--minutes M | --seconds S] [--report DIR] [--seed N] [--concurrency C]
                         [--warm-up-seconds W] [--kill-worker-every A-B] [--kill-broker-every A-B]
                         [--kill-rpc-every A-B] [--pause-every A-B]   (intervals in seconds; 0 turns one off)
        """

    var duration: Duration = .seconds(600)
    var reportFolder = "soak-report"
    var seed = UInt64.random(in: 1...UInt64.max)
    var concurrency = 8
    /// Long enough for the SQLite page caches of the broker and the orders service (2 MiB per
    /// connection, SQLite's default) to fill at the soak's order rate: in a 4-minute run with a 30 s
    /// warm-up they grew 1.8–2.5 MiB after it, while the processes without a database grew 0.2%.
    var warmUp: Duration = .seconds(120)
    var rules = ChaosSchedule.Rule.defaults

    init(arguments: some Sequence<String>) throws(UsageError) {
        var reader = Arguments(arguments, usage: Self.usage)
        while let argument = reader.next() {
            switch argument {
            case "--minutes": duration = .seconds(60 * (try reader.number(after: argument, in: 1...10_000)))
            case "--seconds": duration = .seconds(try reader.number(after: argument, in: 5...1_000_000))
            case "--report": reportFolder = try reader.text(after: argument)
            case "--seed": seed = UInt64(try reader.number(after: argument, in: 1...Int.max))
            case "--concurrency": concurrency = try reader.number(after: argument, in: 1...256)
            case "--warm-up-seconds": warmUp = .seconds(try reader.number(after: argument, in: 0...3_600))
            case "--kill-worker-every": try replace(.kill(role: "worker"), with: reader.range(after: argument))
            case "--kill-broker-every": try replace(.kill(role: "broker"), with: reader.range(after: argument))
            case "--kill-rpc-every": try replace(.kill(role: "rpc"), with: reader.range(after: argument))
            case "--pause-every":
                try replace(.pause(role: "any", for: .seconds(3)), with: reader.range(after: argument))
            default: throw reader.error("unknown argument \(argument)")
            }
        }
    }

    /// Sets the interval range of the rule for `action`; nil removes the rule.
    private mutating func replace(_ action: ChaosSchedule.Action, with range: ClosedRange<Duration>?) {
        rules.removeAll { $0.action == action }
        if let range { rules.append(ChaosSchedule.Rule(action, every: range)) }
    }
}

extension Arguments {
    /// `A-B` (seconds) after `flag`, or nil for `0`.
    mutating func range(after flag: String) throws(UsageError) -> ClosedRange<Duration>? {
        let text = try self.text(after: flag)
        if text == "0" { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[1] >= parts[0] else {
            throw error("\(flag) needs seconds A-B with 1 ≤ A ≤ B, or 0")
        }
        return .seconds(parts[0])...(.seconds(parts[1]))
    }
}
