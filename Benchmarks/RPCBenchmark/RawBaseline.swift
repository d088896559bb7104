import Foundation
import Histogram
import ZeroMQ

/// The baseline server (`rpc-benchmark serve-raw`): a ROUTER socket that sends every message
/// straight back to its sender, frames unchanged, in a plain blocking loop. No framework.
enum RawServer {
    /// Binds `tcp://127.0.0.1:*`, prints the endpoint and echoes until the driver goes away.
    static func run() throws -> Never {
        ParentWatchdog.start()
        let context = try Context()
        let socket = try Socket(context, type: .router)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.bind("tcp://127.0.0.1:*")
        ParentWatchdog.announce(endpoint: try socket.lastEndpoint)
        while true {
            do {
                // [routing id, payload]: sending it back routes it to the same peer.
                guard let frames = try socket.receive(maxFrames: 8) else { continue }
                try socket.send(frames)
            } catch {
                FileHandle.standardError.write(Data("serve-raw: \(error)\n".utf8))
            }
        }
    }
}

/// The baseline client: one DEALER socket on a thread of its own, sending the encoded request
/// bytes as a single frame. Ping-pong for latency (send one, receive one); pipelined for
/// throughput (send N, then one more for each reply until the time is up).
struct RawClient {
    let endpoint: String
    let serverPID: Int32
    let payload: Payload
    let options: BenchmarkOptions

    /// Measures latency, every throughput level and the idle window, on a dedicated thread
    /// (libzmq sockets stay on the thread that made them).
    func measure() async -> ContenderResult {
        await onDedicatedThread(name: "raw-client") { measureOnThisThread() }
    }

    private func measureOnThisThread() -> ContenderResult {
        var result = ContenderResult()
        do {
            let context = try Context()
            defer { context.shutdown() }
            let socket = try Socket(context, type: .dealer)
            defer { socket.close() }
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.receiveHighWaterMark, 100_000)
            try socket.set(.receiveTimeout, .seconds(5))
            try socket.set(.sendTimeout, .seconds(5))
            try socket.connect(endpoint)
            let frame = try Frame(bytes: payload.encoded)
            let session = Session(socket: socket, frame: frame, expectedSize: payload.encoded.count)

            progress("raw \(payload.label): latency")
            for _ in 0..<options.warmupCalls { try session.roundTrip() }
            var histogram = LatencyResult.makeHistogram()
            let meter = PhaseMeter(serverPID: serverPID)
            for _ in 0..<options.latencyCalls {
                let start = ContinuousClock.now
                try session.roundTrip()
                histogram.record(microseconds(start.duration(to: .now)))
            }
            result.latency = LatencyResult(histogram: histogram, errors: 0, cost: meter.perCall(calls: options.latencyCalls))

            for inFlight in options.inFlightLevels {
                progress("raw \(payload.label): \(inFlight) in flight")
                _ = try session.pipelined(inFlight: inFlight, duration: options.throughputWarmup)
                let meter = PhaseMeter(serverPID: serverPID)
                let (calls, elapsed) = try session.pipelined(inFlight: inFlight, duration: options.throughputDuration)
                result.throughput[inFlight] = ThroughputResult(
                    inFlight: inFlight,
                    callsPerSecond: Double(calls) / seconds(elapsed),
                    calls: calls,
                    errors: 0,
                    cost: meter.perCall(calls: calls)
                )
            }
            result.idle = measureIdle(serverPID: serverPID, window: options.idleWindow)
        } catch {
            result.failures.append("raw \(payload.label): \(error)")
        }
        return result
    }

    /// One connected DEALER and the frame it sends.
    private struct Session {
        let socket: Socket
        let frame: Frame
        let expectedSize: Int

        /// Sends the frame and waits for it to come back.
        func roundTrip() throws {
            guard try socket.send(frame) else { throw RawClientError.sendTimedOut }
            try receiveReply()
        }

        /// Keeps `inFlight` messages outstanding until `duration` has passed, then collects the
        /// rest; returns the messages completed and the time from the first send to the last reply.
        func pipelined(inFlight: Int, duration: Duration) throws -> (calls: Int, elapsed: Duration) {
            let start = ContinuousClock.now
            let deadline = start.advanced(by: duration)
            var sent = 0
            var received = 0
            var sending = true
            for _ in 0..<inFlight {
                guard try socket.send(frame) else { throw RawClientError.sendTimedOut }
                sent += 1
            }
            while received < sent {
                try receiveReply()
                received += 1
                if sending {
                    if ContinuousClock.now >= deadline {
                        sending = false
                    } else {
                        guard try socket.send(frame) else { throw RawClientError.sendTimedOut }
                        sent += 1
                    }
                }
            }
            return (received, start.duration(to: .now))
        }

        private func receiveReply() throws {
            guard let reply = try socket.receive(maxFrames: 4) else { throw RawClientError.receiveTimedOut }
            guard reply.count == 1, reply[0].count == expectedSize else {
                throw RawClientError.unexpectedReply(frames: reply.count)
            }
        }
    }
}

/// What went wrong in the raw baseline.
enum RawClientError: Error, CustomStringConvertible {
    case sendTimedOut
    case receiveTimedOut
    case unexpectedReply(frames: Int)

    var description: String {
        switch self {
        case .sendTimedOut: "a send blocked for 5 s"
        case .receiveTimedOut: "no reply within 5 s"
        case .unexpectedReply(let frames): "a reply of \(frames) frames or of the wrong size"
        }
    }
}

/// Runs `body` on a new thread and returns what it returns.
func onDedicatedThread<Result: Sendable>(name: String, _ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.stackSize = 1 << 22
        thread.start()
    }
}

/// Switches per second in both processes while nothing is called.
func measureIdle(serverPID: Int32, window: Duration) -> IdleResult {
    let meter = PhaseMeter(serverPID: serverPID)
    Thread.sleep(forTimeInterval: seconds(window))
    let (client, server) = meter.totals()
    let length = seconds(window)
    return IdleResult(
        clientSwitchesPerSecond: Double(client.switches) / length,
        serverSwitchesPerSecond: server.map { Double($0.switches) / length }
    )
}

/// A duration in whole microseconds, rounded to nearest.
func microseconds(_ duration: Duration) -> UInt64 {
    let (secondsPart, attoseconds) = duration.components
    guard secondsPart >= 0 else { return 0 }
    return UInt64(secondsPart) * 1_000_000 + UInt64((attoseconds + 500_000_000_000) / 1_000_000_000_000)
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    let (secondsPart, attoseconds) = duration.components
    return Double(secondsPart) + Double(attoseconds) / 1e18
}

/// A progress line on standard error (standard output carries only the report).
func progress(_ line: String) {
    FileHandle.standardError.write(Data("[rpc-benchmark] \(line)\n".utf8))
}
