import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

typealias Faulty = Zrpc_Testkit_Faulty

/// The resilience layers against `zrpc-fault-service` processes: what the servers really
/// received is read back from them. The figures are printed for the record.
@Suite("Resilience across processes", .serialized)
struct AcrossProcessesTests {
    /// A fault-service process with a control client (no resilience layers) to configure it.
    struct FaultProcess {
        let process: ServerProcess
        let controlRunning: RunningClient
        var control: Client { controlRunning.client }

        static func start() async throws -> FaultProcess {
            let process = try await ServerProcess.start("zrpc-fault-service")
            let control = try RunningClient.start(
                configuration: .init(endpoints: [process.endpoint], defaultTimeout: .seconds(5))
            )
            return FaultProcess(process: process, controlRunning: control)
        }

        var endpoint: String { process.endpoint }

        func configure(_ plan: Zrpc_Testkit_FaultPlan) async throws {
            _ = try await Faulty.Client(wrapping: control).configure(plan)
        }

        func stats() async throws -> Zrpc_Testkit_Stats {
            try await Faulty.Client(wrapping: control).getStats(.init())
        }

        func stop() async {
            await controlRunning.cancel()
            await process.stop()
        }
    }

    @Test("the breaker opens within its window, fails fast with no calls sent, probes and closes")
    func breaker() async throws {
        let service = try await FaultProcess.start()
        let clock = ManualClock()
        let breaker = try CircuitBreakerInterceptor(
            policy: .init(
                failureRateThreshold: 0.5,
                minimumCalls: 10,
                window: .count(10),
                openDuration: .seconds(5),
                halfOpenProbes: 2
            ),
            now: { clock.now }
        )
        let clientRunning = try RunningClient.start(
            configuration: .init(endpoints: [service.endpoint], interceptors: [breaker])
        )
        let client = clientRunning.client
        let stub = Faulty.Client(wrapping: client)
        try await service.configure(.init(errorRate: 1.0))
        for index in 0..<10 { _ = try? await stub.write(.init(key: "w\(index)")) }
        #expect(breaker.state != .closed)
        #expect(try await service.stats().calls == 10)
        for index in 0..<50 {
            let error = try await rpcError { try await stub.write(.init(key: "fast\(index)")) }
            #expect(error.message.contains("circuit open"))
        }
        #expect(try await service.stats().calls == 10, "the server saw none of the calls while open")
        try await service.configure(.init(errorRate: 0))
        clock.advance(by: .seconds(5))
        _ = try await stub.write(.init(key: "probe1"))
        _ = try await stub.write(.init(key: "probe2"))
        #expect(breaker.state == .closed)
        #expect(try await service.stats().calls == 12)
        print(
            "figure: breaker opened after 10 failed calls; 50 calls while open reached the server 0 times; closed after 2 probes"
        )
        await clientRunning.cancel()
        await service.stop()
    }

    @Test("retries recover transient failures; the server counts exactly the attempts the policy allows")
    func retries() async throws {
        let service = try await FaultProcess.start()
        var configuration = Client.Configuration(endpoints: [service.endpoint])
        configuration.resilience.retry = .init(
            maxAttempts: 4,
            backoff: .init(initial: .milliseconds(2), maximum: .milliseconds(10))
        )
        let clientRunning = try RunningClient.start(configuration: configuration)
        let client = clientRunning.client
        let stub = Faulty.Client(wrapping: client)
        try await service.configure(.init(failUntilAttempt: 3))
        let reply = try await stub.read(.init(key: "transient"))
        #expect(reply.attempt == 3)
        let afterRead = try await service.stats()
        #expect(afterRead.attemptsByKey["transient"] == 3)
        #expect(afterRead.calls == 3)
        // A write is not idempotent: one attempt, and its failure reaches the caller.
        let error = try await rpcError { try await stub.write(.init(key: "write")) }
        #expect(error.code == .unavailable)
        #expect(try await service.stats().attemptsByKey["write"] == 1)
        await clientRunning.cancel()
        await service.stop()
    }

    @Test("with the service down, the retry budget caps the load sent to it")
    func retryBudget() async throws {
        let service = try await FaultProcess.start()
        var configuration = Client.Configuration(endpoints: [service.endpoint])
        configuration.resilience.retry = .init(
            maxAttempts: 5,
            backoff: .init(initial: .milliseconds(1), maximum: .milliseconds(2))
        )
        configuration.resilience.retryBudget = RetryBudget(maxTokens: 10, tokenRatio: 0.1)
        let clientRunning = try RunningClient.start(configuration: configuration)
        let client = clientRunning.client
        let stub = Faulty.Client(wrapping: client)
        try await service.configure(.init(errorRate: 1.0))
        let offered = 200
        for index in 0..<offered { _ = try? await stub.read(.init(key: "down\(index)")) }
        let sent = try await service.stats().calls
        print(
            "figure: retry budget, service down: offered \(offered) calls, sent \(sent) attempts (no budget: up to \(offered * 5))"
        )
        #expect(sent >= UInt64(offered))
        #expect(sent <= UInt64(offered + 10))
        await clientRunning.cancel()
        await service.stop()
    }

    @Test("a saturated slow service leaves a fast service's latency alone (separate clients and bulkheads)")
    func bulkheadIsolation() async throws {
        let fast = try await FaultProcess.start()
        let slow = try await FaultProcess.start()
        var fastConfiguration = Client.Configuration(endpoints: [fast.endpoint])
        fastConfiguration.resilience.bulkhead = .init(maxConcurrentCalls: 16, maxQueuedCalls: 16)
        var slowConfiguration = Client.Configuration(endpoints: [slow.endpoint], defaultTimeout: .seconds(2))
        slowConfiguration.resilience.bulkhead = .init(
            maxConcurrentCalls: 8,
            maxQueuedCalls: 8,
            maxWait: .milliseconds(20)
        )
        let fastClientRunning = try RunningClient.start(configuration: fastConfiguration)
        let fastClient = fastClientRunning.client
        let slowClientRunning = try RunningClient.start(configuration: slowConfiguration)
        let slowClient = slowClientRunning.client
        let fastStub = Faulty.Client(wrapping: fastClient)
        let slowStub = Faulty.Client(wrapping: slowClient)
        try await slow.configure(.init(latencyMillis: 1_000))

        func fastP99() async throws -> Duration {
            let clock = ContinuousClock()
            var samples: [Duration] = []
            for index in 0..<300 {
                let start = clock.now
                _ = try await fastStub.read(.init(key: "f\(index)"))
                samples.append(clock.now - start)
            }
            samples.sort()
            return samples[Int(Double(samples.count) * 0.99) - 1]
        }

        _ = try await fastP99()  // warm up
        let alone = try await fastP99()
        let rejected = RejectionCounter()
        let saturation = EventRecorder()
        let saturate = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        var index = 0
                        while !Task.isCancelled {
                            do {
                                _ = try await slowStub.read(.init(key: "s\(worker)-\(index)"))
                            } catch {
                                // Refused by the bulkhead: pace this load generator (a real caller
                                // would back off too) so it measures isolation, not a CPU hog.
                                if rejected.add() == 1 { saturation.record("slow-bulkhead-full") }
                                try? await Task.sleep(for: .milliseconds(20))
                            }
                            index += 1
                        }
                    }
                }
            }
        }
        // A refusal means every permit is taken and the queue is full (or a queued call waited
        // maxWait for a permit that never came): the slow service is saturated.
        #expect(await saturation.wait(for: "slow-bulkhead-full", timeout: .seconds(30)))
        let saturated = try await fastP99()
        saturate.cancel()
        await saturate.value
        print(
            "figure: fast service p99 alone \(alone), with the slow service saturated \(saturated); slow calls refused by its bulkhead: \(rejected.value)"
        )
        #expect(rejected.value > 0, "the slow service's bulkhead was full")
        #expect(saturated < max(alone * 10, .milliseconds(50)), "alone \(alone), saturated \(saturated)")
        await fastClientRunning.cancel()
        await slowClientRunning.cancel()
        await fast.stop()
        await slow.stop()
    }

    @Test("1,000 concurrent identical reads of a cold cached key make exactly one call to the server process")
    func stampede() async throws {
        let service = try await FaultProcess.start()
        var configuration = Client.Configuration(endpoints: [service.endpoint])
        configuration.resilience.cache = .init(methods: [Faulty.Method.Read.descriptor])
        let clientRunning = try RunningClient.start(configuration: configuration)
        let client = clientRunning.client
        let stub = Faulty.Client(wrapping: client)
        try await service.configure(.init(latencyMillis: 3_000))
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await stub.read(.init(key: "cold")).key }
            }
            var count = 0
            for try await key in group {
                #expect(key == "cold")
                count += 1
            }
            #expect(count == 1_000)
        }
        let calls = try await service.stats().calls
        print("figure: 1,000 concurrent reads of one cold key made \(calls) call(s)")
        #expect(calls == 1)
        await clientRunning.cancel()
        await service.stop()
    }
}

/// Counts refusals from many tasks.
final class RejectionCounter: Sendable {
    private let count = Mutex(0)

    /// Counts one refusal; returns the count so far.
    @discardableResult
    func add() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }

    var value: Int { count.withLock { $0 } }
}
