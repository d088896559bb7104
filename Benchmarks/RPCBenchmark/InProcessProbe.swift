import EchoMessages
import Foundation
import ZRPC

/// `rpc-benchmark in-process [CALLS] [IN-FLIGHT] [PAYLOAD]`: a server and a client in this one
/// process over tcp://127.0.0.1, handlers on the server's I/O thread and callers on the client's,
/// making CALLS calls of PAYLOAD encoded bytes (64 unless given) with IN-FLIGHT of them outstanding.
/// A diagnostic for profilers that follow one process (`valgrind --tool=callgrind` counts
/// instructions per call) and for CPU per call (`/usr/bin/time`), not part of the report.
enum InProcessProbe {
    /// Runs the calls and prints the rate.
    static func run(calls: Int, inFlight: Int, payloadSize: Int) async throws {
        var serverConfiguration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        serverConfiguration.handlerExecution = .ioThread
        serverConfiguration.logger.logLevel = .warning
        try await Server.withServer(configuration: serverConfiguration, services: [BenchmarkEchoService()]) { server in
            guard let endpoint = server.boundEndpoints.first else {
                throw ChildProcessError(message: "the server bound no endpoint")
            }
            var clientConfiguration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(30))
            clientConfiguration.logger.logLevel = .warning
            try await Client.withClient(configuration: clientConfiguration) { client in
                try await measure(client: client, calls: calls, inFlight: inFlight, payloadSize: payloadSize)
            }
        }
    }

    private static func measure(client: Client, calls: Int, inFlight: Int, payloadSize: Int) async throws {
        let echo = Echo_Echo.Client(wrapping: client)
        let request = try Payload(size: payloadSize).request
        let perCaller = max(calls / max(inFlight, 1), 1)
        let start = ContinuousClock.now
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<max(inFlight, 1) {
                group.addTask(executorPreference: client.executor) {
                    var failures = 0
                    for _ in 0..<perCaller {
                        do { _ = try await echo.say(request) } catch { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = start.duration(to: .now)
        let made = perCaller * max(inFlight, 1)
        print(
            "in-process: \(made) calls, \(inFlight) in flight, \(failures) failed, "
                + "\(payloadSize) B each, \(Int(Double(made) / seconds(elapsed))) calls/s"
        )
    }
}
