import ConformanceMessages
import ConformanceServices
import Logging
import Testing
import ZRPC
import ZeroMQ

/// Per-client admission: a client that floods the server with calls it never collects gets
/// RESOURCE_EXHAUSTED beyond its share, and another client beside it keeps being served.
@Suite("Fair admission")
struct FairAdmissionTests {
    static let service = TestRPC.descriptor.fullName
    static let floodCalls: UInt64 = 200

    /// Sends `floodCalls` requests from a raw DEALER that reads nothing; each handler waits on the
    /// gate "flood", so every call admitted stays in flight.
    private static func flood(_ raw: RawPeer) async throws {
        let payload = try CallRequest(text: "flood", gate: "flood").packedFrame()
        for callID in 1...floodCalls {
            try await raw.send(
                try RawPeer.requestFrames(
                    callID: callID,
                    service: service,
                    method: "Call",
                    payload: payload,
                    timeoutMicros: 30_000_000
                )
            )
        }
    }

    /// Calls from the well-behaved client: rounds of 8 concurrent calls, each with a 2 s deadline.
    private static func wellBehavedCalls(_ harness: Harness) async throws {
        for round in 0..<5 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let text = "good \(round).\(index)"
                        let reply = try await harness.stub.call(.init(text: text), options: .init(timeout: .seconds(2)))
                        #expect(reply.text == text)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a flooding client is refused beyond its share; a well-behaved client beside it is served; logged once")
    func floodingClient() async throws {
        let log = RecordingLogHandler.Store()
        try await withHarness(configureServer: {
            $0.maxConcurrentCalls = 64
            $0.maxConcurrentCallsPerClient = 16
            $0.logger = Logger(label: "fair") { _ in RecordingLogHandler(store: log) }
        }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await Self.flood(raw)
            let refusals = Int(Self.floodCalls) - 16
            #expect(await eventually { harness.server.statistics.snapshot().callsOverClientLimit == refusals })
            try await Self.wellBehavedCalls(harness)

            // The flooder's first answer is the refusal of its 17th call: the first 16 are in flight.
            let (refused, _) = try await raw.receiveResponse()
            #expect(refused.callID == 17)
            #expect(refused.statusCode == RPCError.Code.resourceExhausted.rawValue)
            #expect(refused.statusMessage.contains("this client is at its limit of 16 concurrent calls"))
            #expect(refused.metadata.contains { $0.key == RPCError.notSentMetadataKey && $0.value == "true" })

            let statistics = harness.server.statistics.snapshot()
            #expect(statistics.callsOverClientLimit == refusals)
            #expect(statistics.rejectedCalls == refusals)
            let lines = log.metadata(of: "a client is over its limit; its new calls are refused")
            #expect(lines.count == 1)
            #expect(lines.first?["limit"] == "concurrent calls")
            #expect(lines.first?["concurrent-calls"] == "16")
            harness.gates.open("flood")
        }
    }

    @Test("with no per-client share (the old behaviour) the flooder takes every slot and the other client is refused")
    func withoutShare() async throws {
        try await withHarness(configureServer: {
            $0.maxConcurrentCalls = 64
            $0.maxConcurrentCallsPerClient = 1_000
        }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await Self.flood(raw)
            #expect(
                await eventually { harness.server.statistics.snapshot().rejectedCalls == Int(Self.floodCalls) - 64 }
            )
            let error = try await rpcError { try await harness.stub.call(.init(text: "good")) }
            #expect(error.code == .resourceExhausted)
            #expect(error.message.contains("the server is at its limit of 64"))
            #expect(harness.server.statistics.snapshot().callsOverClientLimit == 0)
            harness.gates.open("flood")
        }
    }

    @Test("a client's calls are admitted again once its calls in flight finish")
    func shareComesBack() async throws {
        try await withHarness(configureServer: { $0.maxConcurrentCallsPerClient = 2 }) { harness in
            async let first = harness.stub.call(.init(text: "a", gate: "hold"))
            async let second = harness.stub.call(.init(text: "b", gate: "hold"))
            #expect(await harness.events.wait(for: "started:a"))
            #expect(await harness.events.wait(for: "started:b"))
            let error = try await rpcError { try await harness.stub.call(.init(text: "c")) }
            #expect(error.code == .resourceExhausted)
            #expect(error.neverReachedServer)
            harness.gates.open("hold")
            #expect(try await first.text == "a")
            #expect(try await second.text == "b")
            #expect(try await harness.stub.call(.init(text: "d")).text == "d")
            #expect(harness.server.statistics.snapshot().callsOverClientLimit == 1)
        }
    }

    @Test("a client over its calls a second is refused beyond a second's worth; another client is served; logged once")
    func overItsRate() async throws {
        let log = RecordingLogHandler.Store()
        try await withHarness(configureServer: {
            $0.maxCallsPerSecondPerClient = 20
            $0.logger = Logger(label: "rate") { _ in RecordingLogHandler(store: log) }
        }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            // One batch of 32 calls: they arrive together, so the bucket cannot refill in between
            // however slow the machine is.
            let payload = try CallRequest(text: "fast").packedFrame()
            let calls: UInt64 = 32
            var batch = [Frame(), try Frame("ZRPC01")]
            for callID in 1...calls {
                batch += try RawPeer.requestFrames(
                    callID: callID,
                    service: Self.service,
                    method: "Call",
                    payload: payload
                )
                .suffix(2)
            }
            try await raw.send(batch)
            var answered = 0
            var refused = 0
            for _ in 1...calls {
                let (header, _) = try await raw.receiveResponse()
                if header.statusCode == RPCError.Code.resourceExhausted.rawValue {
                    refused += 1
                    #expect(header.statusMessage.contains("over its rate of 20 calls a second"))
                    #expect(header.metadata.contains { $0.key == RPCError.notSentMetadataKey && $0.value == "true" })
                } else {
                    answered += 1
                }
            }
            // A second's worth (20), and at most a call or two more refilled while the batch is read.
            #expect(answered >= 20 && answered <= 22, "answered \(answered)")
            #expect(refused == Int(calls) - answered)
            #expect(harness.server.statistics.snapshot().callsOverClientLimit == refused)
            // Another client has a bucket of its own.
            for index in 0..<10 {
                #expect(try await harness.stub.call(.init(text: "good \(index)")).text == "good \(index)")
            }
            let lines = log.metadata(of: "a client is over its limit; its new calls are refused")
            #expect(lines.count == 1)
            #expect(lines.first?["limit"] == "rate")
            #expect(lines.first?["calls-per-second"] == "20")
        }
    }
}
