/// The chaos run's settings, from its command line.
struct ChaosOptions {
    var tasks = 20_000
    var workers = 3
    var producers = 2
    /// Seconds between worker kills.
    var killEvery = 3.0
    var brokerKills = 2
    var seed: UInt64 = UInt64.random(in: 1...UInt64.max)

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            switch flag {
            case "--tasks": tasks = try Self.number(value, flag, minimum: 1)
            case "--workers": workers = try Self.number(value, flag, minimum: 1)
            case "--producers": producers = try Self.number(value, flag, minimum: 1)
            case "--broker-kills": brokerKills = try Self.number(value, flag, minimum: 0)
            case "--kill-every":
                guard let seconds = Double(value), seconds > 0 else {
                    throw UsageError(description: "--kill-every takes seconds > 0, not \(value)")
                }
                killEvery = seconds
            case "--seed":
                guard let seed = UInt64(value) else {
                    throw UsageError(description: "--seed takes a number, not \(value)")
                }
                self.seed = seed
            default:
                throw UsageError(
                    description:
                        "unknown flag \(flag); usage: queue-chaos [--tasks N] [--workers N] [--producers N] [--kill-every S] [--broker-kills N] [--seed N]"
                )
            }
        }
    }

    private static func number(_ value: String, _ flag: String, minimum: Int) throws -> Int {
        guard let number = Int(value), number >= minimum else {
            throw UsageError(description: "\(flag) takes a whole number ≥ \(minimum), not \(value)")
        }
        return number
    }
}
