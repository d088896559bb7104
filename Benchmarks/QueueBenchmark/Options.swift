/// What the driver measures and how much: the full run, or `--quick` for a smoke test.
///
/// Each measurement is repeated ``rounds`` times; within a round the contenders alternate (raw
/// first in even rounds, ZRPC first in odd ones; FULL then NORMAL, then NORMAL then FULL), so a
/// noisy minute on a shared machine lands on both rather than on one.
struct QueueBenchmarkOptions: Sendable {
    /// Which parts run.
    enum Part: String, CaseIterable, Sendable {
        case pipeline
        case durable
    }

    /// How many rounds of each measurement (the report gives their median and spread).
    var rounds = 5
    /// Messages per pipeline round, by encoded payload size.
    var messages: [Int: Int] = [64: 1_000_000, 1024: 300_000]
    /// Encoded payload sizes of the pipeline rows, in bytes.
    var payloadSizes = [64, 1024]
    /// Tasks timed per durable round (after ``warmupTasks``).
    var tasks = 20_000
    /// Tasks enqueued and acked before the clock starts (connects the clients, attaches the worker).
    var warmupTasks = 200
    /// Enqueue calls in flight at once, over ``producerClients`` clients.
    var inFlight = 64
    /// Clients the producers share.
    var producerClients = 2
    /// Tasks per enqueue call in the main durable rows (`1`: `TaskProducer.enqueue(_:)`; more:
    /// `enqueue(contentsOf:)`).
    var batch = 1
    /// Tasks per enqueue call in the extra batched rows (`0`: none).
    var batchedRow = 16
    /// The worker's credit: tasks it runs at once.
    var workerCredit = 256
    /// Count the broker's fsync and fdatasync calls with `perf stat` (when it is installed).
    var countFsyncs = true
    /// The parts measured.
    var parts: Set<Part> = Set(Part.allCases)
    /// Whether this is the `--quick` smoke run.
    var quick = false

    /// The quick smoke-test configuration.
    static var quickRun: QueueBenchmarkOptions {
        var options = QueueBenchmarkOptions()
        options.quick = true
        options.rounds = 3
        options.messages = [64: 100_000, 1024: 30_000]
        options.tasks = 2_000
        options.warmupTasks = 100
        return options
    }

    /// Parses the driver's arguments (everything after the executable's path).
    ///
    /// - Throws: ``UsageError`` for an argument it does not know or a value out of range.
    static func parse(_ arguments: [String]) throws(UsageError) -> QueueBenchmarkOptions {
        var options = arguments.contains("--quick") ? QueueBenchmarkOptions.quickRun : QueueBenchmarkOptions()
        var remaining = arguments[...]
        func number(_ flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
            guard let text = remaining.popFirst(), let value = Int(text), range.contains(value) else {
                throw UsageError(
                    message: "\(flag) needs a whole number from \(range.lowerBound) to \(range.upperBound)"
                )
            }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--quick":
                break
            case "--rounds":
                options.rounds = try number(argument, in: 1...100)
            case "--messages":
                let count = try number(argument, in: 1_000...100_000_000)
                options.messages = [64: count, 1024: max(count * 3 / 10, 1_000)]
            case "--tasks":
                options.tasks = try number(argument, in: 100...10_000_000)
            case "--in-flight":
                options.inFlight = try number(argument, in: 1...4_096)
            case "--clients":
                options.producerClients = try number(argument, in: 1...16)
            case "--batch":
                options.batch = try number(argument, in: 1...10_000)
            case "--batched":
                options.batchedRow = try number(argument, in: 0...10_000)
            case "--credit":
                options.workerCredit = try number(argument, in: 1...100_000)
            case "--no-fsyncs":
                options.countFsyncs = false
            case "--only":
                guard let list = remaining.popFirst() else {
                    throw UsageError(message: "--only needs pipeline or durable")
                }
                var parts: Set<Part> = []
                for name in list.split(separator: ",") {
                    guard let part = Part(rawValue: String(name)) else {
                        throw UsageError(message: "unknown part \(name) (pipeline, durable)")
                    }
                    parts.insert(part)
                }
                options.parts = parts
            default:
                throw UsageError(message: "unknown argument \(argument)")
            }
        }
        return options
    }
}

/// A command line the benchmark does not understand.
struct UsageError: Error, CustomStringConvertible {
    let message: String

    var description: String {
        """
        \(message)
        usage: queue-benchmark [--quick] [--rounds N] [--only pipeline,durable] [--messages N] [--tasks N]
                               [--in-flight N] [--clients N] [--batch N] [--batched N] [--credit N]
                               [--no-fsyncs]
               queue-benchmark pull-raw COUNT | pull-zrpc COUNT | serve-broker --database PATH --synchronous full|normal
                                                     (children; started by the driver)
        """
    }
}
