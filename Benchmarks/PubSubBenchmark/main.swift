// pubsub-benchmark: ZRPC's typed pub/sub beside raw libzmq PUB/SUB in one run, each figure the
// median of several rounds.
//
//   swift run -c release pubsub-benchmark            # the full run: a few minutes
//   swift run -c release pubsub-benchmark --quick    # a smoke test: well under a minute
//
//   options: --rounds N (default 5), --messages N (per throughput round, 64 B; 1 KiB sends 30 %),
//            --only direct,forwarder,drops
//
// Throughput: messages per second received by a subscriber in a child process over
// tcp://127.0.0.1, 64 B and 1 KiB protobuf payloads: raw XPUB → SUB, ZRPC Publisher →
// Subscription, raw XPUB → zmq_proxy → SUB and ZRPC Publisher → PubSubForwarder → Subscription
// (the forwarders in a child process of their own), with back-pressure so that nothing is
// dropped. Drops: at a high-water mark of 10 with a slow subscriber, what was published,
// received and counted missing. Progress goes to standard error, the Markdown report to
// standard output, ending with the line `pubsub: direct/raw=R forwarder/raw=F` (the 64 B
// ratios); the exit status is 1 if anything failed.
//
// The executable is also its own children: `sub-raw COUNT ENDPOINT`, `sub-zrpc COUNT ENDPOINT`,
// `sub-slow HWM ENDPOINT`, `forward-zrpc HWM` and `proxy-raw HWM` print `ENDPOINT <endpoint…>`
// and exit as soon as their standard input (a pipe from the driver) closes.
import BenchmarkKit
import Foundation
import Logging

LoggingSystem.bootstrap(StreamLogHandler.standardError)
let arguments = Array(CommandLine.arguments.dropFirst())

/// A child's numeric argument `index` (after the child's name).
func childNumber(_ index: Int) -> Int {
    arguments.count > index ? Int(arguments[index]) ?? 0 : 0
}

/// A child's endpoint argument.
var childEndpoint: String { arguments.count > 2 ? arguments[2] : "" }

switch arguments.first {
case "sub-raw":
    await ParentLink.runChild("sub-raw") { try SubscriberChild.runRaw(count: childNumber(1), endpoint: childEndpoint) }
case "sub-zrpc":
    await ParentLink.runChild("sub-zrpc") {
        try await SubscriberChild.runZRPC(count: childNumber(1), endpoint: childEndpoint)
    }
case "sub-slow":
    await ParentLink.runChild("sub-slow") {
        try await SlowSubscriberChild.run(highWaterMark: childNumber(1), endpoint: childEndpoint)
    }
case "forward-zrpc":
    await ParentLink.runChild("forward-zrpc") { try await ForwarderChild.runZRPC(highWaterMark: childNumber(1)) }
case "proxy-raw":
    await ParentLink.runChild("proxy-raw") { try ForwarderChild.runRaw(highWaterMark: childNumber(1)) }
default:
    // A child that died must not kill the driver when it writes to the child's pipe.
    signal(SIGPIPE, SIG_IGN)
    let options = UsageError.exitOnFailure { () throws(UsageError) in try PubSubBenchmarkOptions.parse(arguments) }
    let started = ContinuousClock.now
    var throughput: [(Payload, ThroughputBenchmark.Result)] = []
    if !options.routes.isEmpty {
        for payload in Payload.all(sizes: options.payloadSizes) {
            throughput.append((payload, await ThroughputBenchmark(options: options).run(payload)))
        }
    }
    let drops = options.parts.contains(.drops) ? await DropsBenchmark(options: options).run() : [:]
    let report = Report(
        options: options,
        commandLine: (["pubsub-benchmark"] + arguments).joined(separator: " "),
        throughput: throughput,
        drops: drops,
        wallTime: started.duration(to: .now)
    )
    FileHandle.standardOutput.write(Data(report.render().utf8))
    exit(report.failures.isEmpty ? 0 : 1)
}
