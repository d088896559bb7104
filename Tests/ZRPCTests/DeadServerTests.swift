import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

/// A server process that dies (SIGKILL) or freezes (SIGSTOP) under load: its calls in flight fail
/// promptly with UNAVAILABLE, marked as outcome unknown, instead of waiting for their deadlines.
@Suite("Dead servers", .serialized)
struct DeadServerTests {
    /// Calls that hang on `server` (its fault plan says so), `count` at once, through `stub`;
    /// returns once the server has received all of them.
    private func hangingCalls(
        _ count: Int,
        on stub: Zrpc_Testkit_Faulty.Client,
        control: Zrpc_Testkit_Faulty.Client
    ) async throws -> [Task<Result<Zrpc_Testkit_FaultReply, RPCError>, Never>] {
        _ = try await control.configure(.init(hang: true))
        let calls = (0..<count).map { index in
            Task { () -> Result<Zrpc_Testkit_FaultReply, RPCError> in
                do {
                    return .success(
                        try await stub.write(.init(key: "w\(index)"), options: .init(timeout: .seconds(60)))
                    )
                } catch {
                    return .failure(error as? RPCError ?? RPCError(code: .unknown, message: "\(error)"))
                }
            }
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while try await control.getStats(.init()).calls < UInt64(count), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return calls
    }

    @Test("calls in flight to a server killed with SIGKILL fail at once, outcome unknown")
    func killedServer() async throws {
        let process = try await ServerProcess.start("zrpc-fault-service")
        let running = try await RunningClient.started(configuration: .init(endpoints: [process.endpoint]))
        let stub = Zrpc_Testkit_Faulty.Client(wrapping: running.client)
        let calls = try await hangingCalls(32, on: stub, control: stub)

        let killed = ContinuousClock.now
        kill(process.process.processIdentifier, SIGKILL)
        var errors: [RPCError] = []
        for call in calls {
            if case .failure(let error) = await call.value { errors.append(error) }
        }
        let detected = killed.duration(to: .now)
        print("32 calls in flight to a SIGKILLed server failed \(detected) after the kill")
        #expect(errors.count == 32)
        #expect(errors.allSatisfy { $0.code == .unavailable && $0.outcomeUnknown && !$0.neverReachedServer })
        #expect(detected < .seconds(2), "took \(detected): the deadline is 60 s, the heartbeat timeout 3 s")
        #expect(running.client.statistics.snapshot().callsLostWithServer == 32)
        await running.cancel()
        await process.stop()
    }

    @Test("a frozen server (SIGSTOP) is given up within the heartbeat timeout")
    func frozenServer() async throws {
        let process = try await ServerProcess.start("zrpc-fault-service")
        var configuration = Client.Configuration(endpoints: [process.endpoint])
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.heartbeatTimeout = .milliseconds(800)
        let running = try await RunningClient.started(configuration: configuration)
        let stub = Zrpc_Testkit_Faulty.Client(wrapping: running.client)
        let calls = try await hangingCalls(8, on: stub, control: stub)

        let stopped = ContinuousClock.now
        kill(process.process.processIdentifier, SIGSTOP)
        var errors: [RPCError] = []
        for call in calls {
            if case .failure(let error) = await call.value { errors.append(error) }
        }
        let detected = stopped.duration(to: .now)
        print("8 calls in flight to a frozen server failed \(detected) after SIGSTOP (heartbeat timeout 800 ms)")
        #expect(errors.count == 8)
        #expect(errors.allSatisfy { $0.code == .unavailable && $0.outcomeUnknown })
        #expect(detected < .seconds(5), "took \(detected)")
        await running.cancel()
        kill(process.process.processIdentifier, SIGKILL)  // its hanging calls would hold a graceful stop
        await process.stop()
    }

    @Test("with two servers, the killed one's idempotent calls are retried on the other; its writes are not")
    func retriedElsewhere() async throws {
        let doomed = try await ServerProcess.start("zrpc-fault-service")
        let survivor = try await ServerProcess.start("zrpc-fault-service")
        var configuration = Client.Configuration(endpoints: [doomed.endpoint, survivor.endpoint])
        configuration.resilience.retry = .init(maxAttempts: 3, backoff: .init(initial: .milliseconds(5)))
        // Sixteen calls fail at once: a budget large enough to retry them all.
        configuration.resilience.retryBudget = RetryBudget(maxTokens: 100, tokenRatio: 1)
        let running = try await RunningClient.started(configuration: configuration)
        let doomedControl = try await RunningClient.started(configuration: .init(endpoints: [doomed.endpoint]))
        let control = Zrpc_Testkit_Faulty.Client(wrapping: doomedControl.client)
        _ = try await control.configure(.init(hang: true))
        let survivorControl = try await RunningClient.started(configuration: .init(endpoints: [survivor.endpoint]))
        let survivorStats = Zrpc_Testkit_Faulty.Client(wrapping: survivorControl.client)
        let stub = Zrpc_Testkit_Faulty.Client(wrapping: running.client)
        // One call at a time, each in a message of its own, so the client's round-robin alternates
        // servers: half of them reach the doomed one, where they hang until it dies.
        var reads: [Task<Zrpc_Testkit_FaultReply, any Error>] = []
        var writes: [Task<Zrpc_Testkit_FaultReply, any Error>] = []
        for index in 0..<32 {
            if index % 4 < 2 {  // read, read, write, write: each kind reaches both servers
                reads.append(
                    Task { try await stub.read(.init(key: "r\(index)"), options: .init(timeout: .seconds(60))) }
                )
            } else {
                writes.append(
                    Task { try await stub.write(.init(key: "w\(index)"), options: .init(timeout: .seconds(60))) }
                )
            }
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while ContinuousClock.now < deadline {
                let received = try await control.getStats(.init()).calls + survivorStats.getStats(.init()).calls
                if received > UInt64(index) { break }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let hanging = try await control.getStats(.init()).calls
        #expect(hanging >= 8, "only \(hanging) of 32 calls reached the doomed server")
        kill(doomed.process.processIdentifier, SIGKILL)
        for read in reads { #expect(try await read.value.servedBy.isEmpty == false) }
        var lostWrites = 0
        for write in writes {
            do {
                _ = try await write.value
            } catch let error as RPCError {
                #expect(error.code == .unavailable && error.outcomeUnknown)
                lostWrites += 1
            }
        }
        print("of 16 writes, \(lostWrites) were lost with the killed server; all 16 reads succeeded")
        #expect(lostWrites > 0)
        await doomedControl.cancel()
        await survivorControl.cancel()
        await running.cancel()
        await doomed.stop()
        await survivor.stop()
        #expect(running.client.resilience.retry?.counters.retries ?? 0 > 0)
    }

    @Test("streams to either of two servers keep to their server")
    func streamsKeepToTheirServer() async throws {
        let first = try await ServerProcess.start("zrpc-fault-service")
        let second = try await ServerProcess.start("zrpc-fault-service")
        let running = try await RunningClient.started(
            configuration: .init(endpoints: [first.endpoint, second.endpoint], defaultTimeout: .seconds(30))
        )
        let streams = Zrpc_Testkit_Streams.Client(wrapping: running.client)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let echoed = try await streams.echo { writer, replies in
                        try await withThrowingTaskGroup(of: UInt64.self) { inner in
                            inner.addTask {
                                for sequence in 1...300 as ClosedRange<UInt64> {
                                    try await writer.write(Zrpc_Testkit_Tick(sequence: sequence * 10 + UInt64(index)))
                                }
                                writer.finish()
                                return 0
                            }
                            inner.addTask { try await replies.reduce(0) { $0 + $1.sequence } }
                            return try await inner.reduce(0, +)
                        }
                    }
                    let expected = (1...300 as ClosedRange<UInt64>).reduce(UInt64(0)) { sum, sequence in
                        sum + sequence * 10 + UInt64(index)
                    }
                    #expect(echoed == expected)
                }
            }
            try await group.waitForAll()
        }
        await running.cancel()
        await first.stop()
        await second.stop()
    }
}
