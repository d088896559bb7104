import Testing
import ZRPCTestKit
import ZeroMQ

@testable import ZRPC

/// Stream frames a well-behaved client never sends: the server fails only the offending call,
/// counts what it drops, and keeps serving.
@Suite("Streaming hostile input")
struct StreamHostileInputTests {
    private static let service = Zrpc_Testkit_Streams.descriptor.fullName

    private static func frames(_ headers: [(Zrpc_Wire_Header.Kind, Frame?)]) throws -> [Frame] {
        var frames = [Frame(), try Frame("ZRPC01")]
        for (kind, payload) in headers {
            frames.append(try Zrpc_Wire_Header(kind: kind).packedFrame())
            if let payload { frames.append(payload) }
        }
        return frames
    }

    @Test("a client that sends past its credit gets RESOURCE_EXHAUSTED; the server goes on")
    func creditIgnored() async throws {
        try await withHarness(services: { _, _ in [StreamService()] }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let open = Zrpc_Wire_RequestHeader(
                callID: 9,
                service: Self.service,
                method: "Ticks",
                timeoutMicros: 10_000_000,
                attempt: 1,
                streamWindow: 4
            )
            let request = try Zrpc_Testkit_TickRequest(count: 0).packedFrame()
            // The handler reads its one request and never reads again; 300 more overflow its window.
            var headers: [(Zrpc_Wire_Header.Kind, Frame?)] = [
                (.request(open), Frame()), (.streamMessage(.init(callID: 9)), request),
            ]
            try await raw.send(try Self.frames(headers))
            headers = Array(repeating: (.streamMessage(.init(callID: 9)), request), count: 30)
            for _ in 0..<10 { try await raw.send(try Self.frames(headers)) }
            var status: Zrpc_Wire_ResponseHeader?
            var ticks = 0
            while status == nil {
                let call = try await raw.receiveCall(routed: false)
                if let response = call.header.response { status = response }
                if call.header.streamMessage != nil { ticks += 1 }
            }
            #expect(status?.callID == 9)
            #expect(status?.statusCode == RPCError.Code.resourceExhausted.rawValue)
            #expect(status?.statusMessage.contains("more stream messages than") == true)
            #expect(ticks <= 4, "the server sent \(ticks) ticks with a window of 4")
            // Normal streams still work.
            let streams = Zrpc_Testkit_Streams.Client(wrapping: harness.client)
            let count = try await streams.ticks(.init(count: 50)) { try await $0.reduce(0) { count, _ in count + 1 } }
            #expect(count == 50)
        }
    }

    @Test(
        "stream messages, half-closes and credits for calls that do not exist are dropped and counted; a huge credit is harmless"
    )
    func strayFrames() async throws {
        try await withHarness(services: { _, _ in [StreamService()] }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send(
                try Self.frames([
                    (.streamMessage(.init(callID: 77)), Frame()),
                    (.streamEnd(.init(callID: 78)), nil),
                    (.credit(.init(callID: 79, messages: .max)), nil),
                ])
            )
            #expect(await eventually { harness.server.statistics.snapshot().lateStreamMessages == 3 })
            // A stream whose client grants the maximum credit twice over still works.
            let open = Zrpc_Wire_RequestHeader(
                callID: 5,
                service: Self.service,
                method: "Ticks",
                timeoutMicros: 10_000_000,
                attempt: 1,
                streamWindow: .max
            )
            let request = try Zrpc_Testkit_TickRequest(count: 3).packedFrame()
            try await raw.send(
                try Self.frames([
                    (.request(open), Frame()),
                    (.credit(.init(callID: 5, messages: .max)), nil),
                    (.streamMessage(.init(callID: 5)), request),
                    (.streamEnd(.init(callID: 5)), nil),
                ])
            )
            var ticks = 0
            while true {
                let call = try await raw.receiveCall(routed: false)
                if call.header.streamMessage != nil { ticks += 1 }
                if let response = call.header.response {
                    #expect(response.statusCode == 0)
                    break
                }
            }
            #expect(ticks == 3)
        }
    }
}
