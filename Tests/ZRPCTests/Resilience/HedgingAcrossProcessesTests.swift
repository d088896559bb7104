import Testing
import ZRPC
import ZRPCTestKit

/// Hedging against two `zrpc-fault-service` processes behind one client, one of them slow. The
/// figures are printed for the record.
@Suite("Hedging across processes", .serialized)
struct HedgingAcrossProcessesTests {
    typealias FaultProcess = AcrossProcessesTests.FaultProcess

    /// Reads until both servers have answered: until a client is connected to both, libzmq sends
    /// every call to the one connected first.
    func connectToBoth(_ stub: Faulty.Client) async throws {
        var servedBy: Set<String> = []
        for index in 0..<200 where servedBy.count < 2 {
            servedBy.insert(try await stub.read(.init(key: "warm-up-\(index)")).servedBy)
        }
        try #require(servedBy.count == 2, "served by \(servedBy)")
    }

    /// How long `body` takes.
    func timed(_ body: () async throws -> Void) async rethrows -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        return clock.now - start
    }

    @Test("with one of two servers 2 s slow, hedged calls complete at about the fast server's latency")
    func oneSlowServer() async throws {
        let fast = try await FaultProcess.start()
        let slow = try await FaultProcess.start()
        let endpoints = [fast.endpoint, slow.endpoint]
        var hedgedConfiguration = Client.Configuration(endpoints: endpoints, defaultTimeout: .seconds(10))
        hedgedConfiguration.resilience.hedging = .init(maxAttempts: 3, hedgingDelay: .milliseconds(50))
        // A success gives back what a hedge takes: this test measures latency, not the budget.
        hedgedConfiguration.resilience.retryBudget = RetryBudget(maxTokens: 10, tokenRatio: 1)
        let hedgedRunning = try await RunningClient.started(configuration: hedgedConfiguration)
        let plainRunning = try await RunningClient.started(
            configuration: .init(endpoints: endpoints, defaultTimeout: .seconds(10))
        )
        let hedged = Faulty.Client(wrapping: hedgedRunning.client)
        let plain = Faulty.Client(wrapping: plainRunning.client)
        try await connectToBoth(hedged)
        try await connectToBoth(plain)
        try await slow.configure(.init(latencyMillis: 2_000))
        let slowCallsBefore = try await slow.stats().calls

        // Without hedging, of two calls in a row one goes to the slow server (libzmq alternates).
        var unhedged: [Duration] = []
        for index in 0..<2 {
            unhedged.append(try await timed { _ = try await plain.read(.init(key: "plain-\(index)")) })
        }
        let calls = 20
        var latencies: [Duration] = []
        for index in 0..<calls {
            latencies.append(try await timed { _ = try await hedged.read(.init(key: "hedged-\(index)")) })
        }
        let counters = try #require(hedgedRunning.client.resilience.hedging?.counters)
        let slowCalls = try await slow.stats().calls - slowCallsBefore
        let sorted = latencies.sorted()
        print(
            "figure: hedging, one of two servers 2 s slow: \(calls) hedged calls min \(sorted[0]), p50 \(sorted[calls / 2]), max \(sorted[calls - 1]); \(counters.hedges) hedges, \(counters.answeredByHedge) calls answered by one; the slow server got \(slowCalls) calls; without hedging: \(unhedged.max() ?? .zero)"
        )
        #expect(unhedged.max() ?? .zero >= .seconds(2), "the slow server is slow")
        #expect(latencies.allSatisfy { $0 < .milliseconds(1_500) }, "latencies \(latencies)")
        #expect(counters.answeredByHedge >= 1, "some first attempts went to the slow server")
        #expect(slowCalls >= 1)

        await hedgedRunning.cancel()
        await plainRunning.cancel()
        await fast.stop()
        await slow.stop()
    }
}
