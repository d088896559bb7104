import Foundation
import Logging
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

/// A `zrpc-fault-service` child process under hostile input: its statistics (asked for with
/// SIGUSR1), its memory, and a well-behaved client calling it the whole time.
struct FaultServiceProcess {
    /// Whether the tests run under ASan (`Scripts/leak-check.sh`): slower calls, and freed memory
    /// held in ASan's quarantine (256 MiB by default) before it is reused.
    static let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
    /// A good call's deadline. Alone its calls take a few ms (up to ~0.5 s beside the decoding-budget
    /// case); with the broker's and forwarder's hostile suites loading both cores at once, up to ~1 s.
    static let goodDeadline: Duration = sanitized ? .seconds(5) : .seconds(2)

    let child: ChildProcess
    /// Resident memory just after start.
    let baselineBytes: Int

    var endpoint: String { child.endpoint }

    /// Starts a fresh server process, runs `body` with it, and stops it.
    static func with<Result>(_ body: (FaultServiceProcess) async throws -> Result) async throws -> Result {
        let child = try await ChildProcess.start("zrpc-fault-service")
        let server = FaultServiceProcess(child: child, baselineBytes: child.residentBytes ?? 0)
        do {
            let result = try await body(server)
            await child.stop()
            return result
        } catch {
            await child.stop()
            throw error
        }
    }

    /// A memory bound stated for a plain run, widened under ASan (redzones, and its quarantine of
    /// freed memory).
    static func memoryBound(_ plain: Int) -> Int {
        sanitized ? plain * 4 + (256 << 20) : plain
    }

    /// The server's counters: SIGUSR1 makes it print them; waits (5 s at most) for the new line.
    func statistics() async throws -> [String: Int] {
        let before = statisticsLines().count
        guard kill(child.process.processIdentifier, SIGUSR1) == 0 else { throw HostileFailure("SIGUSR1 failed") }
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while ContinuousClock.now < deadline {
            let lines = statisticsLines()
            if lines.count > before, let line = lines.last {
                var counters: [String: Int] = [:]
                for field in line.split(separator: " ").dropFirst() {
                    let parts = field.split(separator: "=")
                    if parts.count == 2, let value = Int(parts[1]) { counters[String(parts[0])] = value }
                }
                return counters
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw HostileFailure("zrpc-fault-service printed no statistics after SIGUSR1")
    }

    /// The Read and Write calls the service has run (`zrpc.testkit.Faulty/GetStats`), asked on a
    /// connection of its own.
    func faultyCalls() async throws -> Int {
        let raw = try RawPeer.dealer(connectedTo: endpoint)
        defer { raw.close() }
        try await raw.send(
            try RawPeer.requestFrames(callID: 1, service: Wire.service, method: "GetStats", payload: Frame())
        )
        let (header, payload) = try await raw.receiveResponse()
        guard header.statusCode == 0 else { throw HostileFailure("GetStats failed: \(header.statusMessage)") }
        return Int(try Zrpc_Testkit_Stats(frame: payload).calls)
    }

    private func statisticsLines() -> [Substring] {
        child.printedText.split(separator: "\n").filter { $0.hasPrefix("statistics ") }
    }

    /// Runs `body` while a well-behaved client calls `zrpc.testkit.Faulty/Read` on the same server
    /// from two tasks, each call with ``goodDeadline``.
    func withGoodClient<Result: Sendable>(
        _ body: () async throws -> Result
    ) async throws -> (Result, SteadyCalls.Report) {
        var configuration = Client.Configuration(endpoints: [endpoint])
        configuration.logger.logLevel = .critical
        return try await Client.withClient(configuration: configuration) { client in
            let stub = Zrpc_Testkit_Faulty.Client(wrapping: client)
            // Connected and served before the hostile input starts.
            _ = try await stub.read(.init(key: "warm-up"), options: .init(timeout: .seconds(10)))
            return try await SteadyCalls.during(deadline: Self.goodDeadline) {
                let reply = try await stub.read(.init(key: "good"), options: .init(timeout: Self.goodDeadline))
                guard reply.key == "good" else { throw HostileFailure("a good call got \(reply.key)") }
            } while: {
                try await body()
            }
        }
    }
}

struct HostileFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a hostile case measured, printed for docs/SECURITY.md's table.
struct HostileMeasurement {
    let name: String
    let answer: String
    let baselineBytes: Int
    let peakBytes: Int
    let afterBytes: Int
    let good: SteadyCalls.Report
    var statusMessages: [String] = []

    var line: String {
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return
            "hostile | \(name) | \(answer) | RSS \(mib(baselineBytes)) → peak \(mib(peakBytes)) (+\(mib(peakBytes - baselineBytes))), after \(mib(afterBytes)) | good client \(good)"
            + (statusMessages.isEmpty ? "" : " | \(Set(statusMessages.map { String($0.prefix(160)) }).sorted())")
    }
}
