import EchoMessages
import Foundation
import ZRPC

/// `rpc-benchmark first-call [COUNT]`: how long the first call of a freshly made `Client` takes,
/// COUNT times against one ZRPC server child. A diagnostic, not part of the report: a new client's
/// connection completes in the background, and a call made before it does must still go out as
/// soon as it completes.
enum FirstCallProbe {
    /// Runs the probe and prints one line per slow call and a summary.
    static func run(count: Int) async throws {
        let child = try ChildProcess(arguments: ["serve-zrpc"])
        defer { child.stop() }
        var histogram = ContenderResult.makeHistogram()
        var slow: [String] = []
        var failed = 0
        for attempt in 1...count {
            let (elapsed, failure) = try await Client.withClient(
                configuration: .init(endpoints: [child.endpoint], defaultTimeout: .seconds(5))
            ) { client -> (Duration, String?) in
                let echo = Echo_Echo.Client(wrapping: client)
                let start = ContinuousClock.now
                do {
                    _ = try await echo.say(Echo_EchoRequest(text: "first"))
                    return (start.duration(to: .now), nil)
                } catch {
                    return (start.duration(to: .now), "\(error)")
                }
            }
            if let failure {
                failed += 1
                slow.append("attempt \(attempt): failed after \(elapsed): \(failure)")
            }
            histogram.record(microseconds(elapsed))
            if elapsed > .milliseconds(100), slow.count < 20 { slow.append("attempt \(attempt): \(elapsed)") }
        }
        print(
            "first call of a new client, \(count) clients: p50 \(histogram.valueAtPercentile(50)) µs, "
                + "p99 \(histogram.valueAtPercentile(99)) µs, max \(histogram.max) µs, failed \(failed)"
        )
        for line in slow { print("  " + line) }
    }
}
