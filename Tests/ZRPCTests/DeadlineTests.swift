import ConformanceMessages
import ConformanceServices
import Foundation
import Testing

@testable import ZRPC

@Suite("Deadlines and cancellation")
struct DeadlineTests {
    @Test(
        "a slow handler gives DEADLINE_EXCEEDED close to the deadline and is cancelled",
        arguments: Transport.allCases,
        HandlerPlacement.allCases
    )
    func deadlineExceeded(transport: Transport, handlers: HandlerPlacement) async throws {
        try await withHarness(transport: transport, configureServer: handlers.configure) { harness in
            // The caller waits on the client's I/O thread, where the deadline timer fires: what is
            // timed is the client's deadline, not how soon Swift's cooperative pool (two threads,
            // shared with every suite running in parallel) gets round to resuming a task.
            let stub = harness.stub
            let (error, elapsed) = try await withTaskExecutorPreference(harness.client.executor) {
                let clock = ContinuousClock()
                let start = clock.now
                let error = try await rpcError {
                    try await stub.call(
                        .init(text: "slow", delayMillis: 10_000),
                        options: .init(timeout: .milliseconds(300))
                    )
                }
                return (error, clock.now - start)
            }
            #expect(error.code == .deadlineExceeded)
            #expect(elapsed >= .milliseconds(300))
            // A small margin: the client's timer fires at the deadline (1 ms poll granularity);
            // the rest is thread scheduling on a loaded 2-core machine.
            #expect(elapsed < .milliseconds(300 + 500), "took \(elapsed)")
            #expect(await harness.events.wait(for: "cancelled:slow", timeout: .seconds(5)))
            #expect(!harness.events.contains("finished:slow"))
        }
    }

    @Test("cancelling the caller cancels the handler", arguments: HandlerPlacement.allCases)
    func cancellationPropagates(handlers: HandlerPlacement) async throws {
        try await withHarness(configureServer: handlers.configure) { harness in
            let call = Task { try await harness.stub.call(.init(text: "gated", gate: "never")) }
            #expect(await harness.events.wait(for: "started:gated"))
            call.cancel()
            let error = try await rpcError { try await call.value }
            #expect(error.code == .cancelled)
            #expect(await harness.events.wait(for: "cancelled:gated", timeout: .seconds(5)))
        }
    }

    @Test("a call from an already cancelled task fails at once with CANCELLED")
    func alreadyCancelled() async throws {
        try await withHarness { harness in
            let call = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await harness.stub.call(.init(text: "never-sent", gate: "never"))
            }
            let error = try await rpcError { try await call.value }
            #expect(error.code == .cancelled)
        }
    }

    @Test("the remaining time travels with the call", arguments: HandlerPlacement.allCases)
    func remainingTimeTravels(handlers: HandlerPlacement) async throws {
        try await withHarness(configureServer: handlers.configure) { harness in
            let reply = try await harness.stub.call(.init(text: "t"), options: .init(timeout: .seconds(2)))
            #expect(reply.remainingMillis > 1_000)
            #expect(reply.remainingMillis <= 2_000)
        }
    }

    @Test("missing, zero and absurd timeouts are clamped by the server")
    func clamping() {
        var configuration = Server.Configuration(endpoints: [])
        configuration.defaultTimeout = .seconds(5)
        configuration.maxTimeout = .seconds(60)
        #expect(ServerTimeouts.clamp(micros: 0, configuration) == .seconds(5))
        #expect(ServerTimeouts.clamp(micros: UInt64.max, configuration) == .seconds(60))
        #expect(ServerTimeouts.clamp(micros: 1_500_000, configuration) == .milliseconds(1_500))
    }

    @Test("a handler's own calls inherit its deadline")
    func deadlineInheritance() async throws {
        try await withHarness { downstream in
            let relayClientRunning = try RunningClient.start(
                configuration: .init(endpoints: downstream.server.boundEndpoints)
            )
            let relayClient = relayClientRunning.client
            let events = EventRecorder()
            let relayServer = try await RunningServer.start(
                configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger),
                services: [
                    TestService(
                        events: events,
                        gates: Gates(),
                        name: "relay",
                        relay: TestRPC.Client(wrapping: relayClient)
                    )
                ]
            )
            let clientRunning = try RunningClient.start(configuration: .init(endpoints: relayServer.endpoints))
            let client = clientRunning.client
            // Warm both connections up, so the measured call spends its deadline in the handler.
            #expect(try await TestRPC.Client(wrapping: client).relay(.init(text: "warm")).text == "warm")
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await rpcError {
                try await TestRPC.Client(wrapping: client).relay(
                    .init(text: "deep", gate: "never"),
                    options: .init(timeout: .milliseconds(500))
                )
            }
            #expect(error.code == .deadlineExceeded)
            #expect(clock.now - start < .seconds(2))
            #expect(events.contains("relay-deadline:set"))
            // The downstream handler was cancelled by its own (inherited) deadline, not after 30 s.
            #expect(await downstream.events.wait(for: "cancelled:deep", timeout: .seconds(3)))
            await clientRunning.cancel()
            await relayServer.stop()
            await relayClientRunning.cancel()
        }
    }

    @Test("a response after the deadline is dropped and counted, never delivered to another call")
    func lateResponse() async throws {
        try await RawPeer.withRouter { router in
            let clientRunning = try await RunningClient.started(
                configuration: .init(endpoints: [router.endpoint], defaultTimeout: .seconds(5))
            )
            let client = clientRunning.client
            let stub = TestRPC.Client(wrapping: client)
            // Connect first, so the short deadline below is spent waiting for the response.
            let warm = Task { try await stub.call(.init(text: "warm")) }
            try await router.respond(to: try await router.receiveRequest(), with: CallReply(text: "warm"))
            #expect(try await warm.value.text == "warm")
            // Long enough to be sent even on a loaded machine (ASan, every suite at once).
            let late = Task { try await stub.call(.init(text: "late"), options: .init(timeout: .seconds(1))) }
            let first = try await router.receiveRequest()
            let lateError = try await rpcError { try await late.value }
            #expect(lateError.code == .deadlineExceeded)
            try await router.respond(to: first, with: CallReply(text: "late"))
            let next = Task { try await stub.call(.init(text: "next")) }
            // The client may have sent a CANCEL for the late call; skip it.
            var second = try await router.receiveRequest()
            while second.header.request == nil { second = try await router.receiveRequest() }
            try await router.respond(to: second, with: CallReply(text: "next"))
            #expect(try await next.value.text == "next")
            #expect(client.statistics.snapshot().lateResponses == 1)
            await clientRunning.cancel()
        }
    }
}
