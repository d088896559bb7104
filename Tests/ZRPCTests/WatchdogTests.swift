import ConformanceMessages
import ConformanceServices
import Foundation
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

/// The default handler execution, `.adaptive`: handlers start on the I/O thread, and one that
/// holds it is reported and its service moved off it.
@Suite("I/O thread watchdog")
struct WatchdogTests {
    private static let service = TestRPC.descriptor.fullName

    @Test("a handler that blocks the I/O thread is logged by method and its service moved off the thread")
    func blockingHandlerIsMoved() async throws {
        let logs = RecordingLogHandler.Store()
        let configure: (inout Server.Configuration) -> Void = { $0.logger = .recording(into: logs) }
        let services: (EventRecorder, Gates) -> [any RPCService] = {
            [TestService(events: $0, gates: $1), StreamService()]
        }
        try await withHarness(configureServer: configure, services: services) { (harness: Harness) async throws in
            #expect(harness.server.configuration.handlerExecution == .adaptive)
            #expect(try await harness.stub.call(.init(text: "fast")).text == "fast")
            #expect(harness.server.servicesMovedOffIOThread.isEmpty)

            #expect(try await harness.stub.call(.init(text: "block", blockMillis: 400)).text == "block")
            #expect(await eventually { harness.server.servicesMovedOffIOThread == [Self.service] })
            let reports = logs.metadata(of: "a handler held the server's I/O thread")
            #expect(reports.count == 1)
            let handler = reports.first?["handler"].map { "\($0)" } ?? ""
            #expect(handler.contains("\(Self.service)/Call"))

            // Now a handler of that service can block without stalling the I/O thread: other calls,
            // to its service and to another, are answered while it blocks.
            let blocked = Task { () async throws -> CallReply in
                try await harness.stub.call(.init(text: "held", blockingGate: "release"))
            }
            #expect(await harness.events.wait(for: "started:held"))
            let streams = Zrpc_Testkit_Streams.Client(wrapping: harness.client)
            #expect(
                try await streams.getStreamStats(.init(), options: .init(timeout: .seconds(5))).runningHandlers == 0
            )
            #expect(
                try await harness.stub.call(.init(text: "beside"), options: .init(timeout: .seconds(5))).text
                    == "beside"
            )
            harness.gates.open("release")
            #expect(try await blocked.value.text == "held")
        }
    }

    @Test("with movesBlockingServices off, a blocking handler is logged and its service stays")
    func reportOnly() async throws {
        let logs = RecordingLogHandler.Store()
        let configure: (inout Server.Configuration) -> Void = {
            $0.logger = .recording(into: logs)
            $0.handlerExecution = .watched(.init(threshold: .milliseconds(20), movesBlockingServices: false))
        }
        try await withHarness(configureServer: configure) { (harness: Harness) async throws in
            #expect(try await harness.stub.call(.init(text: "block", blockMillis: 300)).text == "block")
            #expect(await eventually { !logs.metadata(of: "a handler held the server's I/O thread").isEmpty })
            #expect(harness.server.servicesMovedOffIOThread.isEmpty)
            #expect(logs.metadata(of: "a handler held the server's I/O thread").first?["action"] == "none")
        }
    }

    @Test("handlers that await do not trip the watchdog")
    func awaitingIsFine() async throws {
        // Adaptive's own threshold (20 ms) is within a loaded machine's scheduling delays; a longer
        // one, still well below each handler's 400 ms await, keeps this about awaiting.
        let execution = Server.HandlerExecution.watched(
            .init(threshold: .milliseconds(150), movesBlockingServices: true)
        )
        let logs = RecordingLogHandler.Store()
        let configure: (inout Server.Configuration) -> Void = {
            $0.logger = .recording(into: logs)
            $0.handlerExecution = execution
        }
        try await withHarness(configureServer: configure) { (harness: Harness) async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { _ = try await harness.stub.call(.init(text: "\(index)", delayMillis: 400)) }
                }
                try await group.waitForAll()
            }
            #expect(logs.metadata(of: "a handler held the server's I/O thread").isEmpty)
            #expect(harness.server.servicesMovedOffIOThread.isEmpty)
        }
    }
}
