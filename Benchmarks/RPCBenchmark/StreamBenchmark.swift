import EchoMessages
import Foundation
import ZRPC
import ZeroMQ

/// The streaming row: messages per second on one stream from a server process to this one, ZRPC
/// server streaming (`echo.EchoStream/Echoes`, the server's default configuration) beside raw
/// libzmq PUSH/PULL carrying payloads of the same size, in alternated rounds.
///
/// Each side is timed from the first message received to the last, so connecting and starting
/// the stream are left out of both.
struct StreamBenchmark {
    let options: BenchmarkOptions
    /// The encoded size of each streamed message.
    static let messageBytes = 64

    /// Messages per second, one figure per round, and what went wrong.
    struct Result: Sendable {
        var zrpc: [Double] = []
        var raw: [Double] = []
        var failures: [String] = []
    }

    /// Messages per round.
    var messages: Int { options.quick ? 50_000 : 300_000 }

    /// Measures `options.rounds` rounds of each, alternating which goes first.
    ///
    /// - Parameter zrpcEndpoint: A `serve-zrpc` child's endpoint.
    func run(zrpcEndpoint: String) async -> Result {
        var result = Result()
        let request: Echo_EchoRequest
        do {
            request = try Payload(size: Self.messageBytes).request
        } catch {
            result.failures.append("stream benchmark: could not build a request: \(error)")
            return result
        }
        for round in 0..<options.rounds {
            progress("streaming: round \(round + 1) of \(options.rounds) (\(messages) messages each)")
            for raw in round % 2 == 0 ? [true, false] : [false, true] {
                do {
                    if raw {
                        result.raw.append(try await rawRound())
                    } else {
                        result.zrpc.append(try await zrpcRound(endpoint: zrpcEndpoint, request: request))
                    }
                } catch {
                    result.failures.append("stream benchmark (\(raw ? "raw PUSH/PULL" : "ZRPC")): \(error)")
                }
            }
        }
        return result
    }

    /// One ZRPC stream of ``messages`` replies.
    private func zrpcRound(endpoint: String, request: Echo_EchoRequest) async throws -> Double {
        var request = request
        request.sequence = Int64(messages)
        let expected = messages
        return try await Client.withClient(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(120))) {
            client in
            try await Echo_EchoStream.Client(wrapping: client).echoes(request) { replies in
                var count = 0
                var first: ContinuousClock.Instant?
                for try await _ in replies {
                    if first == nil { first = .now }
                    count += 1
                }
                guard count == expected, let first else {
                    throw BenchmarkFailure(message: "received \(count) of \(expected) stream messages")
                }
                return rate(count - 1, since: first)
            }
        }
    }

    /// One raw PUSH/PULL run of ``messages`` payloads from a `serve-push` child.
    private func rawRound() async throws -> Double {
        let child = try ChildProcess(arguments: ["serve-push", "\(messages)", "\(Self.messageBytes)"])
        defer { child.stop() }
        let (expected, endpoint) = (messages, child.endpoint)
        return try await onDedicatedThread(name: "raw-pull") {
            Swift.Result {
                let context = try Context()
                defer { context.shutdown() }
                let socket = try Socket(context, type: .pull)
                defer { socket.close() }
                try socket.set(.receiveHighWaterMark, 1_000)
                try socket.set(.receiveTimeout, .seconds(30))
                try socket.connect(endpoint)
                var first: ContinuousClock.Instant?
                for count in 0..<expected {
                    guard try socket.receive() != nil else {
                        throw BenchmarkFailure(message: "received \(count) of \(expected) raw messages")
                    }
                    if first == nil { first = .now }
                }
                return rate(expected - 1, since: first ?? .now)
            }
        }.get()
    }
}

/// Messages per second for `count` messages received since `start`.
private func rate(_ count: Int, since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return seconds > 0 ? Double(count) / seconds : 0
}

/// A measurement that did not go as planned.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let message: String

    var description: String { message }
}

/// The raw side's server (`rpc-benchmark serve-push COUNT SIZE`): a PUSH socket that sends COUNT
/// messages of SIZE bytes to the first peer, then idles until the driver goes away. No framework.
enum PushServer {
    static func run(count: Int, size: Int) throws -> Never {
        ParentWatchdog.start()
        let context = try Context()
        let socket = try Socket(context, type: .push)
        try socket.set(.sendHighWaterMark, 1_000)
        try socket.bind("tcp://127.0.0.1:*")
        ParentWatchdog.announce(endpoint: try socket.lastEndpoint)
        let payload = [UInt8](repeating: 0x78, count: size)
        for _ in 0..<count {
            _ = try socket.send([try Frame(bytes: payload)])  // blocks until a peer connects, then at the HWM
        }
        while true { sleep(60) }
    }
}
