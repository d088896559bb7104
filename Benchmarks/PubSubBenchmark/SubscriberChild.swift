import BenchmarkKit
import Foundation
import ZRPCPubSub
import ZRPCTestKit
import ZeroMQ

/// The subscribing children of the throughput rows: `sub-raw COUNT ENDPOINT` and
/// `sub-zrpc COUNT ENDPOINT` connect to ENDPOINT, subscribe to `bench`, print `ENDPOINT
/// <ENDPOINT>`, receive COUNT messages, print their ``ReceiverResult`` line and wait for the
/// driver to go away.
enum SubscriberChild {
    /// A raw SUB socket (receive high-water mark 1000); each message is read in place and checked
    /// to have three frames. It gives up after 30 s without a message.
    static func runRaw(count: Int, endpoint: String) throws -> Never {
        ParentLink.start()
        let context = try Context()
        let socket = try Socket(context, type: .subscribe)
        try socket.set(.receiveHighWaterMark, 1_000)
        try socket.set(.receiveTimeout, .seconds(30))
        try socket.subscribe(RawPublisher.topic)
        try socket.connect(endpoint)
        ParentLink.say("ENDPOINT \(endpoint)")
        var clock = FirstToLast()
        var received = 0
        while received < count {
            guard let frames = try socket.receiveMessage({ $0.count }) else { break }
            guard frames == 3 else { throw BenchmarkFailure(message: "a message of \(frames) frames") }
            clock.received()
            received += 1
        }
        ParentLink.say(clock.result(received: received, missed: count - received).line)
        while true { sleep(60) }
    }

    /// A `Subscription` (default configuration: read-ahead and receive high-water mark 1000) read
    /// by one task, which decodes every event. Gaps are counted as missed; it stops once the
    /// events received and missed make COUNT.
    static func runZRPC(count: Int, endpoint: String) async throws -> Never {
        ParentLink.start()
        let subscription = try await Subscription<Zrpc_Testkit_FaultRequest>(
            connect: endpoint,
            topics: [RawPublisher.topic]
        )
        ParentLink.say("ENDPOINT \(endpoint)")
        var clock = FirstToLast()
        var received = 0
        var missed = 0
        for try await element in subscription.events {
            switch element {
            case .event:
                clock.received()
                received += 1
            case .gap(let gap):
                missed += Int(gap.missed)
            case .disconnected(let endpoint):
                throw BenchmarkFailure(message: "the subscriber lost its connection to \(endpoint)")
            }
            if received + missed >= count { break }
        }
        ParentLink.say(clock.result(received: received, missed: missed).line)
        while true { try await Task.sleep(for: .seconds(60)) }
    }
}

/// A subscriber's clocks, wall and CPU, from its first message to its last.
struct FirstToLast {
    private var first: (wall: ContinuousClock.Instant, cpu: Double)?

    /// Notes a message: the first one starts the clocks.
    mutating func received() {
        if first == nil { first = (.now, processCPUSeconds()) }
    }

    /// The result, now that the last message is in.
    func result(received: Int, missed: Int) -> ReceiverResult {
        let start = first ?? (.now, processCPUSeconds())
        return ReceiverResult(
            received: received,
            seconds: seconds(start.wall.duration(to: .now)),
            missed: missed,
            cpuSeconds: processCPUSeconds() - start.cpu
        )
    }
}
