import BenchmarkKit

/// What the driver measures and how much: the full run, or `--quick` for a smoke test.
///
/// Each measurement is repeated ``rounds`` times; within a round the contenders alternate (raw
/// first in even rounds, ZRPC first in odd ones; FULL then NORMAL, then NORMAL then FULL), so a
/// noisy minute on a shared machine lands on both rather than on one.
struct QueueBenchmarkOptions: BenchmarkOptions, Sendable {
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

    /// Reads the flags only this benchmark has.
    mutating func read(_ flag: String, from arguments: inout Arguments) throws(UsageError) -> Bool {
        switch flag {
        case "--tasks":
            tasks = try arguments.number(after: flag, in: 100...10_000_000)
        case "--in-flight":
            inFlight = try arguments.number(after: flag, in: 1...4_096)
        case "--clients":
            producerClients = try arguments.number(after: flag, in: 1...16)
        case "--batch":
            batch = try arguments.number(after: flag, in: 1...10_000)
        case "--batched":
            batchedRow = try arguments.number(after: flag, in: 0...10_000)
        case "--credit":
            workerCredit = try arguments.number(after: flag, in: 1...100_000)
        case "--no-fsyncs":
            countFsyncs = false
        default:
            return false
        }
        return true
    }

    /// What a usage error prints after its message.
    static let usage = """
        usage: queue-benchmark [--quick] [--rounds N] [--only pipeline,durable] [--messages N] [--tasks N]
                               [--in-flight N] [--clients N] [--batch N] [--batched N] [--credit N]
                               [--no-fsyncs]
               queue-benchmark pull-raw COUNT | pull-zrpc COUNT | serve-broker --database PATH --synchronous full|normal
                                                     (children; started by the driver)
        """
}
