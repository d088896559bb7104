import BenchmarkKit

/// What a throughput row's subscriber child reports when it is done, as one line:
/// `RESULT <received> <seconds from the first to the last> <missed> <CPU seconds meanwhile>`.
///
/// `missed` is what the subscriber knows it lost: the raw child, the messages that had not come
/// when it stopped waiting; the ZRPC child, the messages its subscription counted in gaps. A
/// throughput row uses back-pressure and a forwarder that can queue a whole round, so both
/// should be zero; when not, the round fails rather than count a rate of what was not delivered.
struct ReceiverResult: Sendable {
    /// Messages received.
    var received: Int
    /// Seconds from the first message received to the last.
    var seconds: Double
    /// Messages known to be missing.
    var missed: Int
    /// The CPU time the subscriber's process used from the first message to the last, all threads.
    var cpuSeconds: Double

    /// The line the child prints.
    var line: String { "RESULT \(received) \(seconds) \(missed) \(cpuSeconds)" }

    /// Messages per second: the messages after the first, over the time from the first to the last.
    var rate: Double { Double(received - 1) / seconds }

    /// The subscriber process's CPU time per message, in microseconds.
    var cpuMicrosPerMessage: Double { cpuSeconds * 1e6 / Double(received - 1) }

    /// A result to print.
    init(received: Int, seconds: Double, missed: Int, cpuSeconds: Double) {
        self.received = received
        self.seconds = seconds
        self.missed = missed
        self.cpuSeconds = cpuSeconds
    }

    /// Reads the child's result line and checks that it received all `expected` messages.
    ///
    /// - Parameters:
    ///   - child: The subscriber child.
    ///   - expected: Messages published.
    /// - Throws: ``BenchmarkFailure`` when no line comes within 300 s, it does not parse, or
    ///   anything is missing.
    init(from child: BenchmarkChild, expected: Int) throws {
        let line = try child.readLine(timeout: .seconds(300))
        let fields = line.split(separator: " ")
        guard fields.count == 5, fields[0] == "RESULT", let received = Int(fields[1]), let seconds = Double(fields[2]),
            let missed = Int(fields[3]), let cpuSeconds = Double(fields[4]), seconds > 0, received > 1
        else {
            throw BenchmarkFailure(message: "the subscriber said \(line)")
        }
        guard received == expected, missed == 0 else {
            throw BenchmarkFailure(
                message: "the subscriber received \(received) of \(expected) messages (\(missed) missed)"
            )
        }
        self.init(received: received, seconds: seconds, missed: missed, cpuSeconds: cpuSeconds)
    }
}

/// One throughput round's figures.
struct RoundFigures: Sendable {
    /// Messages per second received (``ReceiverResult/rate``).
    var rate: Double
    /// The publishing process's CPU time per message, in microseconds, from its first send until
    /// the subscriber had the last message (all its threads: the publisher's and libzmq's).
    var publisherCPU: Double
    /// The subscribing process's CPU time per message, in microseconds (``ReceiverResult/cpuMicrosPerMessage``).
    var subscriberCPU: Double

    /// The figures of a round.
    ///
    /// - Parameters:
    ///   - receiver: What the subscriber measured.
    ///   - publisherCPUSeconds: The publishing process's CPU time while the round ran.
    init(_ receiver: ReceiverResult, publisherCPUSeconds: Double) {
        rate = receiver.rate
        publisherCPU = publisherCPUSeconds * 1e6 / Double(receiver.received)
        subscriberCPU = receiver.cpuMicrosPerMessage
    }
}
