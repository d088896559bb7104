/// What every benchmark's options have: rounds, messages per throughput round by payload size,
/// the parts to run, a `--quick` configuration; and the parsing of the flags they share
/// (`--quick`, `--rounds N`, `--messages N`, `--only a,b`), with the benchmark's own flags read by
/// ``read(_:from:)``.
///
/// ```swift
/// let options = UsageError.exitOnFailure { () throws(UsageError) in try MyBenchmarkOptions.parse(arguments) }
/// ```
package protocol BenchmarkOptions {
    /// The parts `--only` chooses from.
    associatedtype Part: RawRepresentable & CaseIterable & Hashable where Part.RawValue == String

    /// How many rounds of each measurement.
    var rounds: Int { get set }
    /// Messages per throughput round, by encoded payload size (`--messages N` sets 64 B to N and
    /// 1 KiB to 30 % of it).
    var messages: [Int: Int] { get set }
    /// The parts measured.
    var parts: Set<Part> { get set }

    /// The full run's options.
    init()
    /// The `--quick` smoke run's options.
    static var quickRun: Self { get }
    /// What a usage error prints after its message.
    static var usage: String { get }

    /// Reads `flag` (and its value) when it is one of this benchmark's own flags.
    ///
    /// - Returns: Whether it was.
    mutating func read(_ flag: String, from arguments: inout Arguments) throws(UsageError) -> Bool
}

extension BenchmarkOptions {
    /// Parses the driver's arguments (everything after the executable's path).
    ///
    /// - Throws: ``UsageError`` for an argument it does not know or a value out of range.
    package static func parse(_ arguments: [String]) throws(UsageError) -> Self {
        var options = arguments.contains("--quick") ? quickRun : Self()
        var remaining = Arguments(arguments, usage: usage)
        while let argument = remaining.next() {
            switch argument {
            case "--quick":
                break
            case "--rounds":
                options.rounds = try remaining.number(after: argument, in: 1...100)
            case "--messages":
                let count = try remaining.number(after: argument, in: 1_000...100_000_000)
                options.messages = [64: count, 1024: max(count * 3 / 10, 1_000)]
            case "--only":
                options.parts = try remaining.names(after: argument)
            default:
                guard try options.read(argument, from: &remaining) else {
                    throw remaining.error("unknown argument \(argument)")
                }
            }
        }
        return options
    }
}
