import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC
import ZeroMQ

/// What a peer is told when its message is wrong, exactly as docs/PROTOCOL.md says: every wrong
/// version is answered, oversized messages are counted apart, and status messages name the failure
/// and the limit, never the decoder's internals.
@Suite("Answers to wrong messages")
struct WireAnswersTests {
    static let service = TestRPC.descriptor.fullName

    /// A request with `signature` as its signature frame's bytes.
    private static func request(signature: [UInt8]) throws -> [Frame] {
        var frames = try RawPeer.requestFrames(callID: 3, service: service, method: "Call", payload: Frame())
        frames[1] = try Frame(bytes: signature)
        return frames
    }

    @Test(
        "every signature that starts with ZRPC but is another version is answered UNIMPLEMENTED, quoted safely",
        arguments: [
            (Array("ZRPC02".utf8), "ZRPC02"),
            (Array("ZRPC-a-very-long-version-string".utf8), "ZRPC-a-very-long…"),
            (Array("ZRPC".utf8) + [0xFF, 0xFE], "ZRPC??"),
            (Array("ZRPC0".utf8) + [0x00, 0x31], "ZRPC0?1"),
        ]
    )
    func everyOtherVersionIsAnswered(signature: [UInt8], quoted: String) async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send(try Self.request(signature: signature))
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 0)
            #expect(header.statusCode == RPCError.Code.unimplemented.rawValue)
            #expect(
                header.statusMessage
                    == "unsupported protocol version \(quoted); this server speaks ZRPC01"
            )
            #expect(harness.server.statistics.snapshot().unsupportedVersions == 1)
        }
    }

    @Test("a signature that does not start with ZRPC is not ZRPC: dropped and counted, not answered")
    func notZRPCIsDropped() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send(try Self.request(signature: Array("HTTP/1.1".utf8)))
            let payload = try CallRequest(text: "after").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(callID: 4, service: Self.service, method: "Call", payload: payload)
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 4, "the first answer is the valid call's: the other message got none")
            #expect(harness.server.statistics.snapshot().malformedMessages == 1)
        }
    }

    @Test("a message over the frame limit is dropped and counted as oversized; the next one is served")
    func oversizedMessageIsCounted() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send((0..<67).map { _ in Frame() })
            let payload = try CallRequest(text: "after").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(callID: 5, service: Self.service, method: "Call", payload: payload)
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 5)
            let stats = harness.server.statistics.snapshot()
            #expect(stats.oversizedMessages == 1)
            #expect(stats.malformedMessages == 1)
        }
    }

    @Test(
        "status messages name the failure and the limit, never protobuf-c",
        arguments: ["bad payload", "bad header"]
    )
    func statusMessagesNameNoInternals(kind: String) async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let garbage = try Frame(bytes: [0x0A, 0x10, 0x61])
            var frames = try RawPeer.requestFrames(callID: 6, service: Self.service, method: "Call", payload: garbage)
            if kind == "bad header" { frames[2] = garbage }
            try await raw.send(frames)
            let (header, _) = try await raw.receiveResponse()
            #expect(header.statusCode == RPCError.Code.invalidArgument.rawValue)
            #expect(!header.statusMessage.contains("protobuf-c"), "\(header.statusMessage)")
            if kind == "bad header" {
                #expect(header.callID == 0)
                #expect(
                    header.statusMessage
                        == "malformed ZRPC message: the header in frame 3 after the routing id does not decode: 3 bytes are not a valid protobuf encoding of this type"
                )
            } else {
                #expect(header.callID == 6)
                #expect(
                    header.statusMessage
                        == "the request did not decode as zrpc.test.rpc.CallRequest: 3 bytes are not a valid protobuf encoding of this type"
                )
            }
        }
    }
}

extension WireAnswersTests {
    @Test("a request over the decoding memory budget is RESOURCE_EXHAUSTED under its id and counted as rejected")
    func decodingBudgetIsCountedAsRejected() async throws {
        try await withHarness(configureServer: { $0.decodingLimits.allocationBudget = 1 << 20 }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            // 200,000 unknown fields of 2 bytes: 400 KB on the wire, far more than 1 MiB to decode.
            let payload = try Frame(bytes: (0..<400_000).map { $0.isMultiple(of: 2) ? 0x78 : 0x00 })
            try await raw.send(
                try RawPeer.requestFrames(callID: 8, service: Self.service, method: "Call", payload: payload)
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 8)
            #expect(header.statusCode == RPCError.Code.resourceExhausted.rawValue)
            #expect(header.statusMessage.contains("the decoding limit"), "\(header.statusMessage)")
            #expect(harness.server.statistics.snapshot().rejectedCalls == 1)
        }
    }

    @Test(
        "a metadata key outside the rule is INVALID_ARGUMENT under the call's id, before any handler runs",
        arguments: ["", "Upper", "with space", "ключ", String(repeating: "k", count: 129)]
    )
    func badMetadataKey(key: String) async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let header = Zrpc_Wire_Header(
                kind: .request(
                    .init(
                        callID: 8,
                        service: Self.service,
                        method: "Call",
                        timeoutMicros: 5_000_000,
                        metadata: [.init(key: "fine-key", value: "v"), .init(key: key, value: "v")],
                        attempt: 1
                    )
                )
            )
            let payload = try CallRequest(text: "x").packedFrame()
            try await raw.send([Frame(), try Frame("ZRPC01"), try header.packedFrame(), payload])
            let (answer, _) = try await raw.receiveResponse()
            #expect(answer.callID == 8)
            #expect(answer.statusCode == RPCError.Code.invalidArgument.rawValue)
            #expect(answer.statusMessage.hasPrefix("metadata key \""), "\(answer.statusMessage)")
            #expect(harness.events.events.isEmpty, "no handler ran")
        }
    }
}
