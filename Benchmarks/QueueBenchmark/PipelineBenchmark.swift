import BenchmarkKit
import Foundation
import ZRPCQueue
import ZRPCTestKit
import ZeroMQ

/// The pipeline rows: messages per second from this process to a receiver child over
/// tcp://127.0.0.1, raw libzmq PUSH/PULL beside ZRPC's `PipelineSender`/`PipelineReceiver`, in
/// alternated rounds.
///
/// Both contenders send the same two frames per message, the pipeline's wire format: the 6-byte
/// signature `ZRPP01` and the encoded `FaultRequest`. The raw sender builds them once and sends them
/// again and again from one thread (`zmq_msg_copy`), the raw receiver reads them in place and keeps
/// nothing; ZRPC encodes each message on the sending task and decodes it on the receiving one. Each
/// round is timed by the receiver, from its first message to its last, so connecting is left out.
/// High-water marks are 1000 on every socket (the pipeline's default).
struct PipelineBenchmark {
    let options: QueueBenchmarkOptions

    /// Messages per second of each contender, one figure per round, for one payload size.
    struct Result: Sendable {
        var raw: [Double] = []
        var zrpc: [Double] = []
        /// ZRPC over raw, per round (the two measured one after the other).
        var ratios: [Double] = []
        var failures: [String] = []
    }

    /// Runs every round for `payload`.
    func run(_ payload: Payload) async -> Result {
        var result = Result()
        let count = options.messages[payload.size] ?? 100_000
        for round in 0..<options.rounds {
            progress("pipeline \(payload.label): round \(round + 1) of \(options.rounds) (\(count) messages each)")
            var pair: (raw: Double?, zrpc: Double?) = (nil, nil)
            for raw in round % 2 == 0 ? [true, false] : [false, true] {
                do {
                    let rate = try await raw ? rawRound(payload, count: count) : zrpcRound(payload, count: count)
                    progress("  \(raw ? "raw " : "ZRPC") \(formatRate(rate)) msg/s")
                    if raw { pair.raw = rate } else { pair.zrpc = rate }
                } catch {
                    result.failures.append("pipeline \(payload.label) \(raw ? "raw" : "ZRPC"): \(error)")
                }
            }
            if let raw = pair.raw { result.raw.append(raw) }
            if let zrpc = pair.zrpc { result.zrpc.append(zrpc) }
            if let raw = pair.raw, let zrpc = pair.zrpc, raw > 0 { result.ratios.append(zrpc / raw) }
        }
        return result
    }

    /// One raw round: a PUSH socket on a thread of its own sends to a `pull-raw` child.
    private func rawRound(_ payload: Payload, count: Int) async throws -> Double {
        let child = try BenchmarkChild(arguments: ["pull-raw", "\(count)"])
        defer { child.stop() }
        let encoded = payload.encoded
        return try await onDedicatedThread(name: "raw-push") {
            Swift.Result {
                let context = try Context()
                defer { context.shutdown() }
                let socket = try Socket(context, type: .push)
                defer { socket.close() }
                try socket.set(.sendHighWaterMark, 1_000)
                try socket.connect(child.endpoint)
                let frames = [try Frame(bytes: Array("ZRPP01".utf8)), try Frame(bytes: encoded)]
                for _ in 0..<count {
                    _ = try socket.send(frames)
                }
                // The socket stays open until the child has everything.
                return try Self.receiverRate(child)
            }
        }.get()
    }

    /// One ZRPC round: a `PipelineSender` on this task sends to a `pull-zrpc` child.
    private func zrpcRound(_ payload: Payload, count: Int) async throws -> Double {
        let child = try BenchmarkChild(arguments: ["pull-zrpc", "\(count)"])
        defer { child.stop() }
        let sender = try await PipelineSender<Zrpc_Testkit_FaultRequest>(connect: child.endpoint)
        do {
            let message = payload.message
            for _ in 0..<count {
                try await sender.send(message)
            }
            let rate = try await onDedicatedThread(name: "wait-receiver") {
                Swift.Result { try Self.receiverRate(child) }
            }
            .get()
            await sender.close()
            return rate
        } catch {
            await sender.close()
            throw error
        }
    }

    /// Reads the receiver's `RESULT <messages> <seconds>` line: messages after the first over the
    /// time from the first to the last.
    private static func receiverRate(_ child: BenchmarkChild) throws -> Double {
        let line = try child.readLine(timeout: .seconds(300))
        let fields = line.split(separator: " ")
        guard fields.count == 3, fields[0] == "RESULT", let messages = Double(fields[1]), let time = Double(fields[2]),
            time > 0
        else {
            throw BenchmarkFailure(message: "the receiver said \(line)")
        }
        return (messages - 1) / time
    }
}

/// The receiving children: `pull-raw COUNT` and `pull-zrpc COUNT` bind tcp://127.0.0.1:*, print
/// their endpoint, receive COUNT messages, print `RESULT <COUNT> <seconds from first to last>` and
/// wait for the driver to go away.
enum PipelineReceiverChild {
    /// A raw PULL socket; each message is read in place and checked to have two frames.
    static func runRaw(count: Int) throws -> Never {
        ParentLink.start()
        let context = try Context()
        let socket = try Socket(context, type: .pull)
        try socket.set(.receiveHighWaterMark, 1_000)
        try socket.bind("tcp://127.0.0.1:*")
        ParentLink.say("ENDPOINT \(try socket.lastEndpoint)")
        var first: ContinuousClock.Instant?
        var received = 0
        while received < count {
            let frames = try socket.receiveMessage { $0.count }
            guard frames == 2 else { throw BenchmarkFailure(message: "a message of \(frames ?? 0) frames") }
            if first == nil { first = .now }
            received += 1
        }
        ParentLink.say("RESULT \(count) \(seconds(first!.duration(to: .now)))")
        while true { sleep(60) }
    }

    /// A `PipelineReceiver` read by one task, which decodes every message.
    static func runZRPC(count: Int) async throws -> Never {
        ParentLink.start()
        let receiver = try await PipelineReceiver<Zrpc_Testkit_FaultRequest>(bind: "tcp://127.0.0.1:*")
        ParentLink.say("ENDPOINT \(receiver.endpoints[0])")
        var first: ContinuousClock.Instant?
        var received = 0
        for try await _ in receiver {
            if first == nil { first = .now }
            received += 1
            if received == count { break }
        }
        ParentLink.say("RESULT \(count) \(seconds((first ?? .now).duration(to: .now)))")
        while true { try await Task.sleep(for: .seconds(60)) }
    }
}
