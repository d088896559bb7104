import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC
import ZeroMQ

/// Garbage from one raw ZeroMQ peer never stops the server serving a well-behaved client.
@Suite("Hostile input")
struct HostileInputTests {
    static let service = TestRPC.descriptor.fullName

    /// Sends `frames` from a raw peer, then a valid call on the same connection (the server reads
    /// one connection in order, so its answer means the bad message was handled), then checks the
    /// well-behaved client is still served.
    private func sendThenCheck(_ frames: [Frame], harness: Harness) async throws {
        let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
        defer { raw.close() }
        try await raw.send(frames)
        let payload = try CallRequest(text: "after garbage").packedFrame()
        try await raw.send(
            try RawPeer.requestFrames(callID: 42, service: Self.service, method: "Call", payload: payload)
        )
        var (header, _) = try await raw.receiveResponse()
        if header.callID == 0 {
            // A ZRPC message with a bad header is answered (INVALID_ARGUMENT, no call id) first.
            #expect(header.statusCode == RPCError.Code.invalidArgument.rawValue)
            (header, _) = try await raw.receiveResponse()
        }
        #expect(header.callID == 42)
        #expect(header.statusCode == 0)
        #expect(try await harness.stub.call(.init(text: "still serving")).text == "still serving")
    }

    @Test(
        "garbage, a wrong signature, a missing delimiter, a huge frame count",
        arguments: [
            "garbage", "wrong signature", "missing delimiter", "huge frame count", "empty message", "header garbage",
        ]
    )
    func malformedMessages(kind: String) async throws {
        try await withHarness { harness in
            let before = harness.server.statistics.snapshot().malformedMessages
            let frames: [Frame]
            switch kind {
            case "garbage":
                frames = [try Frame(bytes: [0xFF, 0x00, 0x13, 0x37])]
            case "wrong signature":
                frames = [Frame(), try Frame("HTTP/1.1"), try Frame("x"), try Frame("y")]
            case "missing delimiter":
                frames = Array(
                    try RawPeer.requestFrames(callID: 1, service: Self.service, method: "Call", payload: Frame())
                        .dropFirst()
                )
            case "huge frame count":
                frames = try (0..<5_000).map { _ in try Frame("x") }
            case "empty message":
                frames = [Frame()]
            default:
                frames = [Frame(), try Frame("ZRPC01"), try Frame(bytes: [0x0A, 0xFF, 0xFF, 0xFF]), Frame()]
            }
            try await sendThenCheck(frames, harness: harness)
            #expect(harness.server.statistics.snapshot().malformedMessages > before)
        }
    }

    @Test("a request that does not decode is INVALID_ARGUMENT")
    func undecodableRequest() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send(
                try RawPeer.requestFrames(
                    callID: 7,
                    service: Self.service,
                    method: "Call",
                    payload: try Frame(bytes: [0x0A, 0x10, 0x61])
                )
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 7)
            #expect(header.statusCode == RPCError.Code.invalidArgument.rawValue)
            #expect(header.statusMessage.contains("did not decode"))
            #expect(try await harness.stub.call(.init(text: "ok")).text == "ok")
        }
    }

    @Test(
        "a request nesting a tree past the limit is INVALID_ARGUMENT and the server goes on",
        arguments: [150, 5_000, 100_000]
    )
    func deeplyNestedRequest(levels: Int) async throws {
        try await withHarness { harness in
            let measure = try await harness.stub.measure(.init(name: "shallow", root: Self.branch(depth: 40)))
            #expect(measure.depth == 40)

            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            // GroveRequest.root (2), then Branch.children (2) nested: built back to front, no recursion.
            var reversed: [UInt8] = []
            for _ in 0..<levels {
                var length = UInt64(reversed.count)
                var prefix: [UInt8] = []
                repeat {
                    prefix.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
                    length >>= 7
                } while length > 0
                reversed += prefix.reversed() + [0x12]
            }
            let payload = try Frame(bytes: Array(reversed.reversed()))
            try await raw.send(
                try RawPeer.requestFrames(callID: 9, service: Self.service, method: "Measure", payload: payload)
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.callID == 9)
            #expect(header.statusCode == RPCError.Code.invalidArgument.rawValue)
            #expect(header.statusMessage.contains("nested deeper than 100 levels"))
            #expect(try await harness.stub.call(.init(text: "still serving")).text == "still serving")
            #expect(try await harness.stub.measure(.init(root: Self.branch(depth: 99))).depth == 99)
        }
    }

    /// A branch with one child per level, `depth` levels in all.
    private static func branch(depth: Int) -> Zrpc_Test_Rpc_Branch {
        var branch = Zrpc_Test_Rpc_Branch(label: "leaf")
        for level in 1..<depth { branch = Zrpc_Test_Rpc_Branch(label: "level \(level)", children: [branch]) }
        return branch
    }

    @Test("another protocol version gets a clear error")
    func versionMismatch() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            try await raw.send(
                try RawPeer.requestFrames(
                    callID: 3,
                    service: Self.service,
                    method: "Call",
                    payload: Frame(),
                    signature: "ZRPC02"
                )
            )
            let (header, _) = try await raw.receiveResponse()
            #expect(header.statusCode == RPCError.Code.unimplemented.rawValue)
            #expect(header.statusMessage.contains("unsupported protocol version ZRPC02"))
            #expect(harness.server.statistics.snapshot().unsupportedVersions == 1)
        }
    }

    @Test("an absurd timeout is clamped, not trusted")
    func absurdTimeout() async throws {
        try await withHarness(configureServer: { $0.maxTimeout = .seconds(2) }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let payload = try CallRequest(text: "clamped").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(
                    callID: 9,
                    service: Self.service,
                    method: "Call",
                    payload: payload,
                    timeoutMicros: .max
                )
            )
            let (header, body) = try await raw.receiveResponse()
            #expect(header.statusCode == 0)
            let reply = try CallReply(frame: body)
            #expect(reply.remainingMillis <= 2_000)
        }
    }

    @Test("a duplicate of a call id in flight is dropped unanswered and counted; the original gets the only answer")
    func duplicateCallID() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let payload = try CallRequest(text: "dup", gate: "dup").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(callID: 11, service: Self.service, method: "Call", payload: payload)
            )
            #expect(await harness.events.wait(for: "started:dup"))
            try await raw.send(
                try RawPeer.requestFrames(callID: 11, service: Self.service, method: "Call", payload: payload)
            )
            // The server reads one connection in order: the next call's answer comes first, with
            // nothing in front of it under call id 11.
            let next = try CallRequest(text: "next").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(callID: 12, service: Self.service, method: "Call", payload: next)
            )
            let (after, _) = try await raw.receiveResponse()
            #expect(after.callID == 12)
            #expect(after.statusCode == 0)
            #expect(harness.server.statistics.snapshot().duplicateCallIDs == 1)
            harness.gates.open("dup")
            let (done, body) = try await raw.receiveResponse()
            #expect(done.callID == 11)
            #expect(done.statusCode == 0)
            #expect(try CallReply(frame: body).text == "dup")
        }
    }

    @Test(
        "a call id repeated within one message runs once and is answered once",
        arguments: HandlerPlacement.allCases
    )
    func duplicateCallIDInOneMessage(placement: HandlerPlacement) async throws {
        try await withHarness(configureServer: placement.configure) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let first = try RawPeer.requestFrames(
                callID: 21,
                service: Self.service,
                method: "Call",
                payload: try CallRequest(text: "first").packedFrame()
            )
            let repeated = try RawPeer.requestFrames(
                callID: 21,
                service: Self.service,
                method: "Call",
                payload: try CallRequest(text: "repeated").packedFrame()
            )
            let other = try RawPeer.requestFrames(
                callID: 22,
                service: Self.service,
                method: "Call",
                payload: try CallRequest(text: "other").packedFrame()
            )
            try await raw.send(first + repeated.dropFirst(2) + other.dropFirst(2))
            var answers: [UInt64: String] = [:]
            for _ in 0..<2 {
                let (header, body) = try await raw.receiveResponse()
                #expect(header.statusCode == 0)
                answers[header.callID] = try CallReply(frame: body).text
            }
            #expect(answers == [21: "first", 22: "other"])
            let last = try CallRequest(text: "last").packedFrame()
            try await raw.send(
                try RawPeer.requestFrames(callID: 23, service: Self.service, method: "Call", payload: last)
            )
            #expect(try await raw.receiveResponse().header.callID == 23)
            #expect(harness.server.statistics.snapshot().duplicateCallIDs == 1)
        }
    }
}
