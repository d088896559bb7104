import Foundation
import Testing
@testable import ZRPC
import ZRPCTestKit

/// Servers announce themselves to a directory; a client that names only the service finds them,
/// spreads its calls over them, and stops sending to one that drains or disappears.
@Suite("Service directory")
struct DirectoryTests {
    private static let service = Zrpc_Testkit_Faulty.descriptor.fullName

    private func directory() async throws -> RunningServer {
        try await RunningServer.start(
            configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger),
            services: [ServiceDirectory(defaultLease: .milliseconds(500))]
        )
    }

    private func server(_ name: String, directory: String) async throws -> RunningServer {
        var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger)
        configuration.directory = .init(directory: [directory], interval: .milliseconds(100), lease: .seconds(2))
        configuration.gracePeriod = .seconds(2)
        return try await RunningServer.start(configuration: configuration, services: [FaultyService(name: name)])
    }

    private func client(directory: String) async throws -> RunningClient {
        var configuration = Client.Configuration(endpoints: [], defaultTimeout: .seconds(10))
        configuration.directory = .init(directory: [directory], service: Self.service)
        configuration.logger = quietLogger
        // A call that reaches a server after it began draining, before the directory said so, is
        // refused as not sent: the retry layer sends it to the other server.
        configuration.resilience.retry = .init(maxAttempts: 3, backoff: .init(initial: .milliseconds(1)))
        return try await RunningClient.started(configuration: configuration)
    }

    /// Who served `count` sequential reads.
    private func servedBy(_ stub: Zrpc_Testkit_Faulty.Client, count: Int) async throws -> Set<String> {
        var names: Set<String> = []
        for index in 0..<count { names.insert(try await stub.read(.init(key: "k\(index)")).servedBy) }
        return names
    }

    @Test("a client naming the service reaches every announced server, and none that drains")
    func findsAndFollows() async throws {
        let directory = try await directory()
        let endpoint = directory.endpoints[0]
        let first = try await server("first", directory: endpoint)
        let second = try await server("second", directory: endpoint)
        let running = try await client(directory: endpoint)
        let stub = Zrpc_Testkit_Faulty.Client(wrapping: running.client)

        // The first call waits for the directory's answer; then calls spread over both servers.
        var seen: Set<String> = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while seen.count < 2, ContinuousClock.now < deadline { seen.formUnion(try await servedBy(stub, count: 4)) }
        #expect(seen == ["first", "second"])

        // A draining server announces it takes no new calls: the client stops sending it any.
        first.server.beginGracefulShutdown()
        var onlySecond = false
        while !onlySecond, ContinuousClock.now < deadline.advanced(by: .seconds(10)) {
            onlySecond = try await servedBy(stub, count: 10) == ["second"]
        }
        #expect(onlySecond)
        await first.stop()
        #expect(try await servedBy(stub, count: 20) == ["second"])

        await running.cancel()
        await second.stop()
        await directory.stop()
    }

    @Test("a server that stops announcing is dropped when its lease runs out; one that stops gracefully at once")
    func leases() async throws {
        let directory = try await directory()
        let endpoint = directory.endpoints[0]
        let running = try await RunningClient.started(configuration: .init(endpoints: [endpoint]))
        let lookup = DirectoryClient(wrapping: running.client)
        // An instance that announces once and then goes silent, as a killed server does.
        _ = try await Zrpc_Directory_Directory.Client(wrapping: running.client).announce(
            .init(
                instance: "silent",
                services: [Self.service],
                endpoints: ["tcp://127.0.0.1:9"],
                accepting: true,
                leaseMillis: 2_000
            )
        )
        #expect(try await lookup.endpoints(of: Self.service) == ["tcp://127.0.0.1:9"])
        #expect(
            await eventually(within: .seconds(10)) { (try? await lookup.endpoints(of: Self.service))?.isEmpty == true }
        )

        let graceful = try await server("graceful", directory: endpoint)
        #expect(
            await eventually(within: .seconds(5)) {
                (try? await lookup.endpoints(of: Self.service)) == graceful.endpoints
            }
        )
        await graceful.stop()
        // Withdrawn when it stopped, well before its 2 s lease would have run out.
        #expect(try await lookup.endpoints(of: Self.service).isEmpty)
        await running.cancel()
        await directory.stop()
    }
}
