import Foundation
import Histogram
import ZRPC
import ZeroMQ

/// The baseline server (`rpc-benchmark serve-raw`): a ROUTER socket that sends every message
/// straight back to its sender, frames unchanged, in a plain blocking loop. No framework.
enum RawServer {
    /// The most frames of a message it echoes: a routing id, and R4's largest batch (delimiter,
    /// signature, and a header and a payload for each of 32 calls).
    static let maxFrames = 1 + 2 + 2 * 32

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
                guard let frames = try socket.receive(maxFrames: maxFrames) else { continue }
                try socket.send(frames)
            } catch {
                FileHandle.standardError.write(Data("serve-raw: \(error)\n".utf8))
            }
        }
    }
}

/// The baseline client: one DEALER socket on a thread of its own, sending the encoded request
/// bytes as a single frame (or after `prefix` frames). Ping-pong for latency (send one, receive
/// one); pipelined for throughput (send N, then one more for each reply until the time is up).
struct RawClient {
    let endpoint: String
    let server: ServerCounters
    let payload: Payload
    let options: BenchmarkOptions
    /// Frames sent before the payload in every message (the echo server returns them too).
    let prefix: [Frame]

    /// ZRPC's frames before a request's payload: empty delimiter, signature, and the encoded
    /// header of an `echo.Echo/Say` call, as docs/PROTOCOL.md lays them out.
    static func zrpcFramesBeforePayload() throws -> [Frame] {
        let header = Zrpc_Wire_Header(
            kind: .request(.init(callID: 1, service: "echo.Echo", method: "Say", timeoutMicros: 5_000_000, attempt: 1))
        )
        return [Frame(), try Frame("ZRPC01"), try header.packedFrame()]
    }

    /// Measures one round (latency, then every throughput level) on a new thread with a new
    /// socket (libzmq sockets stay on the thread that made them).
    func measureRound() async -> ContenderResult {
        await onDedicatedThread(name: "raw-client") { measureOnThisThread() }
    }

    /// Keeps 64 messages in flight for `options.idleProbeLoad`, then leaves the socket open but
    /// idle and counts thread switches in `options.idleSlices` slices.
    func idleProbe() async -> Result<IdleResult, any Error> {
        await onDedicatedThread(name: "raw-idle") {
            Result {
                let context = try Context()
                defer { context.shutdown() }
                let session = try connect(context)
                defer { session.socket.close() }
                let (calls, _) = try session.pipelined(inFlight: 64, duration: options.idleProbeLoad)
                return IdleResult.measure(server: server, loadCalls: calls, slice: options.idleSlice, slices: options.idleSlices)
            }
        }
    }

    /// A connected DEALER with the payload frame.
    private func connect(_ context: Context) throws -> Session {
        let socket = try Socket(context, type: .dealer)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.set(.receiveTimeout, .seconds(5))
        try socket.set(.sendTimeout, .seconds(5))
        try socket.connect(endpoint)
        let payloadFrame = try Frame(bytes: payload.encoded)
        return Session(
            socket: socket,
            frames: prefix + [payloadFrame],
            expectedSize: payload.encoded.count,
            callsPerMessage: prefix.isEmpty ? 1 : options.r4CallsPerMessage
        )
    }

    /// The name in progress lines and failures.
    private var name: String { prefix.isEmpty ? "raw" : "raw with ZRPC frames" }

    private func measureOnThisThread() -> ContenderResult {
        var result = ContenderResult()
        do {
            let context = try Context()
            defer { context.shutdown() }
            let session = try connect(context)
            defer { session.socket.close() }

            progress("\(name) \(payload.label): latency")
            for _ in 0..<options.warmupCallsPerRound { try session.roundTrip() }
            let meter = PhaseMeter(server: server)
            for _ in 0..<options.latencyCallsPerRound {
                let start = ContinuousClock.now
                try session.roundTrip()
                result.latency.record(microseconds(start.duration(to: .now)))
            }
            result.latencyTotals = meter.finish(calls: options.latencyCallsPerRound)

            for inFlight in options.inFlightLevels {
                progress("\(name) \(payload.label): \(inFlight) in flight")
                _ = try session.pipelined(inFlight: inFlight, duration: options.throughputWarmup)
                let meter = PhaseMeter(server: server)
                let (calls, elapsed) = try session.pipelined(inFlight: inFlight, duration: options.throughputDurationPerRound)
                result.throughput[inFlight] = meter.finish(calls: calls, elapsed: elapsed)
            }
        } catch {
            result.failures.append("\(name) \(payload.label): \(error)")
        }
        return result
    }

    /// One connected DEALER and the frames it sends as each message.
    private struct Session {
        let socket: Socket
        /// One call's message.
        let frames: [Frame]
        let expectedSize: Int
        /// Calls per pipelined message (R4 with `--r4-batch`): more than 1 repeats the last two of
        /// `frames` (header and payload) after the first two (delimiter and signature).
        let callsPerMessage: Int

        /// Sends the frame and waits for it to come back.
        func roundTrip() throws {
            guard try socket.send(frames) else { throw RawClientError.sendTimedOut }
            try receiveReply()
        }

        /// Keeps `inFlight` calls outstanding until `duration` has passed, then collects the
        /// rest; returns the calls completed and the time from the first send to the last reply.
        func pipelined(inFlight: Int, duration: Duration) throws -> (calls: Int, elapsed: Duration) {
            let calls = min(callsPerMessage, inFlight)
            let message = calls == 1 ? frames : Array(frames.prefix(2)) + Array(repeating: frames.suffix(2), count: calls).flatMap { $0 }
            let start = ContinuousClock.now
            let deadline = start.advanced(by: duration)
            var sent = 0
            var received = 0
            var sending = true
            for _ in 0..<inFlight / calls {
                guard try socket.send(message) else { throw RawClientError.sendTimedOut }
                sent += 1
            }
            while received < sent {
                try receiveReply(frameCount: message.count)
                received += 1
                if sending {
                    if ContinuousClock.now >= deadline {
                        sending = false
                    } else {
                        guard try socket.send(message) else { throw RawClientError.sendTimedOut }
                        sent += 1
                    }
                }
            }
            return (received * calls, start.duration(to: .now))
        }

        private func receiveReply(frameCount: Int? = nil) throws {
            guard let reply = try socket.receive(maxFrames: RawServer.maxFrames) else { throw RawClientError.receiveTimedOut }
            guard reply.count == frameCount ?? frames.count, reply.last?.count == expectedSize else {
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
        let thread = Thread {
            // Named from inside: on Linux a name set before start() does not reach the thread.
            Thread.current.name = name
            continuation.resume(returning: body())
        }
        thread.stackSize = 1 << 22
        thread.start()
    }
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
