import BenchmarkKit

/// What the driver measures and how much: the full run, or `--quick` for a smoke test.
///
/// Each throughput row is measured ``rounds`` times; within a round the routes alternate (in
/// order in even rounds, reversed in odd ones), so a noisy minute on a shared machine lands on
/// all of them rather than on one.
struct PubSubBenchmarkOptions: BenchmarkOptions, Sendable {
    /// Which parts run.
    enum Part: String, CaseIterable, Sendable {
        /// Raw XPUB → SUB and ZRPC `Publisher` → `Subscription`, publisher and subscriber only.
        case direct
        /// Through a forwarder child: ZRPC's `PubSubForwarder` and raw `zmq_proxy` (raw direct runs
        /// too: it is what both are compared with).
        case forwarder
        /// A small high-water mark, a slow subscriber, and what ZRPC counted of the losses.
        case drops
    }

    /// How many rounds of each measurement (the report gives their median and spread).
    var rounds = 5
    /// Messages per throughput round, by encoded payload size.
    var messages: [Int: Int] = [64: 1_000_000, 1024: 300_000]
    /// Encoded payload sizes of the throughput rows, in bytes.
    var payloadSizes = [64, 1024]
    /// Messages published in one burst in each drops round (a few more follow, one at a time,
    /// until the last of them reaches the subscriber).
    var dropBurst = 20_000
    /// The high-water mark of every socket and queue in the drops rows.
    var dropHighWaterMark = 10
    /// The parts measured.
    var parts: Set<Part> = Set(Part.allCases)

    /// The routes the throughput rows measure: raw direct whenever any is measured (the other
    /// routes are compared with it).
    var routes: [Route] {
        var routes: [Route] = []
        if parts.contains(.direct) || parts.contains(.forwarder) { routes.append(.rawDirect) }
        if parts.contains(.direct) { routes.append(.zrpcDirect) }
        if parts.contains(.forwarder) { routes += [.rawProxy, .zrpcForwarder] }
        return routes
    }

    /// The quick smoke-test configuration.
    static var quickRun: PubSubBenchmarkOptions {
        var options = PubSubBenchmarkOptions()
        options.rounds = 3
        options.messages = [64: 100_000, 1024: 30_000]
        options.dropBurst = 5_000
        return options
    }

    /// It has no flags of its own.
    func read(_ flag: String, from arguments: inout Arguments) -> Bool { false }

    /// What a usage error prints after its message.
    static let usage = """
        usage: pubsub-benchmark [--quick] [--rounds N] [--messages N] [--only direct,forwarder,drops]
               pubsub-benchmark sub-raw COUNT ENDPOINT | sub-zrpc COUNT ENDPOINT | sub-slow HWM ENDPOINT
                                | forward-zrpc HWM | proxy-raw HWM        (children; started by the driver)
        """
}
