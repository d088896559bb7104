import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC
import ZeroMQ

/// Several calls in one message (docs/PROTOCOL.md, "Batches"), sent by raw peers to a real server
/// and to a real client.
@Suite("Batches")
struct BatchTests {
    static let service = TestRPC.descriptor.fullName

    /// Delimiter and signature: the start of every message from a client.
    private static func messageStart() throws -> [Frame] {
        [Frame(), try Frame("ZRPC01")]
    }

    /// One request's header and payload frames, to put in a batch.
    private static func request(_ callID: UInt64, _ text: String, gate: String = "") throws -> [Frame] {
        let payload = try CallRequest(text: text, gate: gate).packedFrame()
        return Array(
            // A long deadline: on a loaded machine (ASan, parallel suites) gates open late.
            try RawPeer.requestFrames(
                callID: callID,
                service: service,
                method: "Call",
                payload: payload,
                timeoutMicros: 60_000_000
            ).dropFirst(2)
        )
    }

    /// Reads `count` responses and returns each call's reply text by call id.
    private static func replies(_ count: Int, from raw: RawPeer) async throws -> [UInt64: String] {
        var texts: [UInt64: String] = [:]
        for _ in 0..<count {
            let (header, payload) = try await raw.receiveResponse()
            #expect(header.statusCode == 0, "call \(header.callID): \(header.statusMessage)")
            texts[header.callID] = try CallReply(frame: payload).text
        }
        return texts
    }

    @Test("requests, a ping and a cancel in one message are each handled")
    func mixedBatch() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var frames = try Self.messageStart()
            frames += try Self.request(1, "one")
            frames.append(try Zrpc_Wire_Header(kind: .ping(.init(nonce: 77))).packedFrame())
            frames += try Self.request(2, "two")
            frames.append(try Zrpc_Wire_Header(kind: .cancel(.init(callID: 99))).packedFrame())  // unknown: ignored
            frames += try Self.request(3, "three")
            try await raw.send(frames)
            var texts: [UInt64: String] = [:]
            var pongs: [UInt64] = []
            while texts.count < 3 {
                let call = try await raw.receiveCall(routed: false)
                switch call.header.kind {
                case .pong(let pong)?:
                    pongs.append(pong.nonce)
                case .response(let header)?:
                    #expect(header.statusCode == 0)
                    texts[header.callID] = try CallReply(frame: call.payload ?? Frame()).text
                default:
                    Issue.record("unexpected \(call.header)")
                    return
                }
            }
            #expect(texts == [1: "one", 2: "two", 3: "three"])
            #expect(pongs == [77])
        }
    }

    @Test("the calls before a bad header are served; the rest of that message is dropped")
    func badHeaderInBatch() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            let before = harness.server.statistics.snapshot().malformedMessages
            var frames = try Self.messageStart()
            frames += try Self.request(1, "served")
            frames.append(try Frame(bytes: [0x0A, 0xFF, 0xFF, 0xFF]))  // a header that does not decode
            frames += try Self.request(3, "dropped")
            try await raw.send(frames)
            try await raw.send(try Self.messageStart() + Self.request(4, "after"))
            var texts: [UInt64: String] = [:]
            var malformed = 0
            while texts.count < 2 {
                let call = try await raw.receiveCall(routed: false)
                guard let header = call.header.response else { continue }
                if header.callID == 0 {
                    #expect(header.statusCode == RPCError.Code.invalidArgument.rawValue)
                    malformed += 1
                } else {
                    #expect(header.statusCode == 0)
                    texts[header.callID] = try CallReply(frame: call.payload ?? Frame()).text
                }
            }
            #expect(texts == [1: "served", 4: "after"])
            #expect(malformed == 1)
            #expect(!harness.events.contains("started:dropped"))
            #expect(harness.server.statistics.snapshot().malformedMessages == before + 1)
        }
    }

    @Test("a request header with no payload frame after it is malformed")
    func requestWithoutPayload() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var frames = try Self.messageStart()
            frames += try Self.request(1, "whole")
            frames += Array(try Self.request(2, "cut").prefix(1))
            try await raw.send(frames)
            var statuses: [UInt64: Int32] = [:]
            while statuses.count < 2 {
                let call = try await raw.receiveCall(routed: false)
                guard let header = call.header.response else { continue }
                statuses[header.callID] = header.statusCode
                if header.callID == 0 { #expect(header.statusMessage.contains("no payload frame")) }
            }
            #expect(statuses == [1: 0, 0: RPCError.Code.invalidArgument.rawValue])
            #expect(try await harness.stub.call(.init(text: "still serving")).text == "still serving")
        }
    }

    @Test("32 calls fit in one message; 33 are one too many and the message is dropped")
    func callsPerMessageLimit() async throws {
        try await withHarness { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var full = try Self.messageStart()
            for id in 1...32 { full += try Self.request(UInt64(id), "call \(id)") }
            try await raw.send(full)
            let texts = try await Self.replies(32, from: raw)
            #expect(texts == Dictionary(uniqueKeysWithValues: (1...32).map { (UInt64($0), "call \($0)") }))

            let before = harness.server.statistics.snapshot().malformedMessages
            var tooMany = try Self.messageStart()
            for id in 101...133 { tooMany += try Self.request(UInt64(id), "over \(id)") }
            try await raw.send(tooMany)
            try await raw.send(try Self.messageStart() + Self.request(200, "next"))
            #expect(try await Self.replies(1, from: raw) == [200: "next"])
            #expect(harness.server.statistics.snapshot().malformedMessages == before + 1)
            #expect(!harness.events.events.contains { $0.hasPrefix("started:over") })
        }
    }

    @Test("handlers on the I/O thread answer three full messages of calls, each call exactly once")
    func fullResponseMessagesAreSentOnce() async throws {
        try await withHarness(configureServer: { $0.handlerExecution = .ioThread }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            for batch in 0..<3 {
                var message = try Self.messageStart()
                for id in (batch * 32 + 1)...(batch * 32 + 32) { message += try Self.request(UInt64(id), "call \(id)") }
                try await raw.send(message)
            }
            // A round that has answered 32 calls sends their message at once and goes on
            // collecting: no message holds more than 32 calls, and none repeats a call.
            var callIDs: [UInt64] = []
            var callsPerMessage: [Int] = []
            while callIDs.count < 96 {
                let frames = try await raw.receive()
                // Delimiter, signature, then a header and a payload frame per response.
                let headers = try stride(from: 2, to: frames.count, by: 2).compactMap {
                    try Zrpc_Wire_Header(frame: frames[$0]).response
                }
                callsPerMessage.append(headers.count)
                callIDs += headers.map(\.callID)
            }
            #expect(callIDs.sorted() == (1...96).map(UInt64.init))
            #expect(callsPerMessage.allSatisfy { $0 <= 32 })
        }
    }

    @Test("answers for two clients that finish in one loop round each reach their own client")
    func answersForTwoClientsInOneRound() async throws {
        try await withHarness(configureServer: { $0.handlerExecution = .ioThread }) { harness in
            let peers = try ["A", "B"].map { name in (name, try RawPeer.dealer(connectedTo: harness.endpoint)) }
            defer { for (_, peer) in peers { peer.close() } }
            // Both clients use call ids 1...3; every handler waits at one gate, so the six answers
            // are enqueued together when it opens, alternating between the clients.
            for (name, peer) in peers {
                var message = try Self.messageStart()
                for id in 1...3 { message += try Self.request(UInt64(id), "\(name)-\(id)", gate: "both") }
                try await peer.send(message)
            }
            for name in ["A", "B"] {
                for id in 1...3 { #expect(await harness.events.wait(for: "started:\(name)-\(id)")) }
            }
            harness.gates.open("both")
            for (name, peer) in peers {
                let texts = try await Self.replies(3, from: peer)
                #expect(texts == [1: "\(name)-1", 2: "\(name)-2", 3: "\(name)-3"], "client \(name)")
            }
        }
    }

    @Test("on the I/O thread, calls after a handler that suspends are answered without waiting for it")
    func callsAfterSuspendedHandler() async throws {
        try await withHarness(configureServer: { $0.handlerExecution = .ioThread }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var message = try Self.messageStart()
            message += try Self.request(1, "held", gate: "held")
            message += try Self.request(2, "quick")
            message += try Self.request(3, "quick too")
            try await raw.send(message)
            #expect(try await Self.replies(2, from: raw) == [2: "quick", 3: "quick too"])
            harness.gates.open("held")
            #expect(try await Self.replies(1, from: raw) == [1: "held"])
        }
    }

    @Test("on the I/O thread, cancelling a suspended call of a batch ends that call alone, and it runs no other")
    func cancelOneSuspendedCallOfBatch() async throws {
        try await withHarness(configureServer: { $0.handlerExecution = .ioThread }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var message = try Self.messageStart()
            message += try Self.request(1, "first", gate: "first")
            message += try Self.request(2, "second", gate: "second")
            try await raw.send(message)
            #expect(await harness.events.wait(for: "started:first"))
            #expect(await harness.events.wait(for: "started:second"))
            try await raw.send(
                try Self.messageStart() + [Zrpc_Wire_Header(kind: .cancel(.init(callID: 1))).packedFrame()]
            )
            #expect(await harness.events.wait(for: "cancelled:first"))
            harness.gates.open("second")
            #expect(try await Self.replies(1, from: raw) == [2: "second"])
            #expect(harness.events.events.filter { $0 == "started:second" }.count == 1)
            #expect(!harness.events.contains("cancelled:second"))
        }
    }

    @Test("on the I/O thread, the calls of one message count toward the concurrency limit")
    func batchCountsTowardConcurrencyLimit() async throws {
        try await withHarness(configureServer: {
            $0.handlerExecution = .ioThread
            $0.maxConcurrentCalls = 2
        }) { harness in
            let raw = try RawPeer.dealer(connectedTo: harness.endpoint)
            defer { raw.close() }
            var message = try Self.messageStart()
            for id in 1...3 { message += try Self.request(UInt64(id), "limited \(id)", gate: "limit") }
            try await raw.send(message)
            let (refused, _) = try await raw.receiveResponse()
            #expect(refused.callID == 3)
            #expect(refused.statusCode == RPCError.Code.resourceExhausted.rawValue)
            harness.gates.open("limit")
            #expect(try await Self.replies(2, from: raw) == [1: "limited 1", 2: "limited 2"])
            #expect(!harness.events.contains("started:limited 3"))
        }
    }

    @Test("a client reads every response of a batch and drops the one for an unknown call")
    func clientReadsBatchedResponses() async throws {
        try await RawPeer.withRouter { router in
            let clientRunning = try await RunningClient.started(
                configuration: .init(endpoints: [router.endpoint], defaultTimeout: .seconds(5))
            )
            let client = clientRunning.client
            let stub = TestRPC.Client(wrapping: client)
            let first = Task { try await stub.call(.init(text: "first")) }
            let second = Task { try await stub.call(.init(text: "second")) }
            let requests = [try await router.receiveRequest(), try await router.receiveRequest()]
            // The unknown call comes first, so it is counted before either caller is resumed.
            var frames = [requests[0].routingID, Frame(), try Frame("ZRPC01")]
            frames.append(try Zrpc_Wire_Header(kind: .response(.init(callID: 9_999))).packedFrame())
            frames.append(try CallReply(text: "nobody's").packedFrame())
            for request in requests.reversed() {
                let callID = request.header.request?.callID ?? 0
                let text = try CallRequest(frame: request.payload ?? Frame()).text
                frames.append(try Zrpc_Wire_Header(kind: .response(.init(callID: callID))).packedFrame())
                frames.append(try CallReply(text: "re: \(text)").packedFrame())
            }
            try await router.send(frames)
            #expect(try await first.value.text == "re: first")
            #expect(try await second.value.text == "re: second")
            #expect(client.statistics.snapshot().lateResponses == 1)
            await clientRunning.cancel()
        }
    }

    @Test("a client counts the requests it sent and the messages that carried them, as a router receives them")
    func clientCountsRequestsAndMessages() async throws {
        try await RawPeer.withRouter { router in
            let clientRunning = try await RunningClient.started(
                configuration: .init(endpoints: [router.endpoint], defaultTimeout: .seconds(5))
            )
            let client = clientRunning.client
            let stub = TestRPC.Client(wrapping: client)
            // Started together on the client's I/O thread, so they can share a message.
            let calls = Task(executorPreference: client.executor) {
                try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 1...3 { group.addTask { try await stub.call(.init(text: "call \(index)")).text } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            var requests: [RawPeer.Request] = []
            for _ in 1...3 { requests.append(try await router.receiveRequest()) }
            let messages = router.messagesRead
            for request in requests {
                try await router.respond(
                    to: request,
                    with: CallReply(text: "re: \(try CallRequest(frame: request.payload ?? Frame()).text)")
                )
            }
            #expect(try await calls.value.sorted() == ["re: call 1", "re: call 2", "re: call 3"])
            var statistics = client.statistics.snapshot()
            #expect(statistics.requestsSent == 3)
            #expect(statistics.requestMessagesSent == messages)
            #expect(messages < 3, "three calls started in one turn should share a message")

            // A lone call is a message of its own.
            let lone = Task { try await stub.call(.init(text: "lone")) }
            try await router.respond(to: try await router.receiveRequest(), with: CallReply(text: "re: lone"))
            #expect(try await lone.value.text == "re: lone")
            statistics = client.statistics.snapshot()
            #expect(statistics.requestsSent == 4)
            #expect(statistics.requestMessagesSent == messages + 1)
            await clientRunning.cancel()
        }
    }
}
