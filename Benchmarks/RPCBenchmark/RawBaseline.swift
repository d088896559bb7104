import EchoMessages
import Foundation
import Histogram
import ZRPC
import ZeroMQ

/// The baseline client: one DEALER socket on a thread of its own. Ping-pong for latency (send
/// one, receive one); pipelined for throughput (send N, then one more for each reply until the
/// time is up).
///
/// What it sends depends on the contender: the encoded request bytes as a single frame (raw);
/// ZRPC's frames, one call per message (R4) or 32 (R32), built once and sent again and again; or
/// ZRPC's frames with every call's header and request encoded afresh, and every reply's header and
/// `EchoReply` decoded (P32).
struct RawClient {
    let endpoint: String
    let server: ServerCounters
    let payload: Payload
    let options: BenchmarkOptions
    /// Which raw contender this is.
    let contender: Contender

    /// The header of an `echo.Echo/Say` request, as ZRPC's client writes it.
    static func requestHeader(callID: UInt64) -> Zrpc_Wire_Header {
        Zrpc_Wire_Header(
            kind: .request(
                .init(callID: callID, service: "echo.Echo", method: "Say", timeoutMicros: 5_000_000, attempt: 1)
            )
        )
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
                return IdleResult.measure(
                    server: server,
                    loadCalls: calls,
                    slice: options.idleSlice,
                    slices: options.idleSlices
                )
            }
        }
    }

    /// A connected DEALER and the frames of one call's message.
    private func connect(_ context: Context) throws -> Session {
        let socket = try Socket(context, type: .dealer)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.set(.receiveTimeout, .seconds(5))
        try socket.set(.sendTimeout, .seconds(5))
        try socket.connect(endpoint)
        // The frames before the payload: empty delimiter, signature and header (docs/PROTOCOL.md).
        let zrpcFrames =
            contender.sendsZRPCFrames
            ? [Frame(), try Frame("ZRPC01"), try Self.requestHeader(callID: 1).rawFrame()] : []
        return Session(
            socket: socket,
            frames: zrpcFrames + [try Frame(bytes: payload.encoded)],
            request: payload.request,
            expectedSize: payload.encoded.count,
            callsPerMessage: contender.rawCallsPerMessage,
            encodesEachCall: contender.encodesEachCall
        )
    }

    /// The name in progress lines and failures.
    private var name: String { contender == .raw ? "raw" : "raw \(contender.label)" }

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
                let (calls, elapsed) = try session.pipelined(
                    inFlight: inFlight,
                    duration: options.throughputDurationPerRound
                )
                result.throughput[inFlight] = meter.finish(calls: calls, elapsed: elapsed)
            }
        } catch {
            result.failures.append("\(name) \(payload.label): \(error)")
        }
        return result
    }

    /// One connected DEALER and the frames it sends as each message.
    private final class Session {
        let socket: Socket
        /// One call's message: the payload alone, or ZRPC's delimiter, signature, header and payload.
        let frames: [Frame]
        /// The request `frames` carries, encoded afresh for each call when `encodesEachCall`.
        let request: Echo_EchoRequest
        let expectedSize: Int
        /// Calls per pipelined message: more than 1 repeats the last two of `frames` (header and
        /// payload) after the first two (delimiter and signature).
        let callsPerMessage: Int
        /// Whether each call's header and request are encoded when sent and each reply's header
        /// and `EchoReply` decoded when received, instead of resending `frames`.
        let encodesEachCall: Bool
        private var lastCallID: UInt64 = 0

        init(
            socket: Socket,
            frames: [Frame],
            request: Echo_EchoRequest,
            expectedSize: Int,
            callsPerMessage: Int,
            encodesEachCall: Bool
        ) {
            self.socket = socket
            self.frames = frames
            self.request = request
            self.expectedSize = expectedSize
            self.callsPerMessage = callsPerMessage
            self.encodesEachCall = encodesEachCall
        }

        /// Sends one call and waits for it to come back.
        func roundTrip() throws {
            let message = try message(calls: 1)
            guard try socket.send(message) else { throw RawClientError.sendTimedOut }
            try receiveReply(frameCount: message.count)
        }

        /// Keeps `inFlight` calls outstanding until `duration` has passed, then collects the
        /// rest; returns the calls completed and the time from the first send to the last reply.
        func pipelined(inFlight: Int, duration: Duration) throws -> (calls: Int, elapsed: Duration) {
            let calls = min(callsPerMessage, inFlight)
            // Built once and resent, unless every call is encoded afresh.
            let reused = encodesEachCall ? nil : try message(calls: calls)
            let frameCount = reused?.count ?? 2 + 2 * calls
            let start = ContinuousClock.now
            let deadline = start.advanced(by: duration)
            var sent = 0
            var received = 0
            var sending = true
            for _ in 0..<inFlight / calls {
                guard try socket.send(try reused ?? message(calls: calls)) else { throw RawClientError.sendTimedOut }
                sent += 1
            }
            while received < sent {
                try receiveReply(frameCount: frameCount)
                received += 1
                if sending {
                    if ContinuousClock.now >= deadline {
                        sending = false
                    } else {
                        guard try socket.send(try reused ?? message(calls: calls)) else {
                            throw RawClientError.sendTimedOut
                        }
                        sent += 1
                    }
                }
            }
            return (received * calls, start.duration(to: .now))
        }

        /// A message of `calls` calls.
        private func message(calls: Int) throws -> [Frame] {
            guard encodesEachCall else {
                return calls == 1
                    ? frames : Array(frames.prefix(2)) + Array(repeating: frames.suffix(2), count: calls).flatMap { $0 }
            }
            var message = Array(frames.prefix(2))
            for _ in 0..<calls {
                lastCallID += 1
                message.append(try RawClient.requestHeader(callID: lastCallID).rawFrame())
                message.append(try request.rawFrame())
            }
            return message
        }

        private func receiveReply(frameCount: Int) throws {
            guard let reply = try socket.receive(maxFrames: RawServer.maxFrames) else {
                throw RawClientError.receiveTimedOut
            }
            guard reply.count == frameCount, reply.last?.count == expectedSize else {
                throw RawClientError.unexpectedReply(frames: reply.count)
            }
            guard encodesEachCall else { return }
            for index in stride(from: 2, to: reply.count - 1, by: 2) {
                guard case .response? = try Zrpc_Wire_Header(rawFrame: reply[index]).kind else {
                    throw RawClientError.unexpectedReply(frames: reply.count)
                }
                _ = try Echo_EchoReply(rawFrame: reply[index + 1])
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
