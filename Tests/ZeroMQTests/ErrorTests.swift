import Testing
import ZeroMQ

@Suite struct ErrorTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test func badEndpoints() throws {
        let socket = try Socket(context, type: .pull)
        let unknownTransport = expectZMQError(.protocolNotSupported) { try socket.bind("foo://x") }
        #expect(unknownTransport?.operation == "zmq_bind(foo://x)")
        #expect(unknownTransport?.message.isEmpty == false)
        #expect(unknownTransport?.description.contains("zmq_bind(foo://x)") == true)
        expectZMQError(.protocolNotSupported) { try socket.connect("foo://x") }
        expectZMQError(.invalidArgument) { try socket.bind("tcp://nonsense") }
        expectZMQError(.invalidArgument) { try socket.connect("tcp://nonsense") }
        expectZMQError(.invalidArgument) { try socket.bind("no scheme at all") }
        expectZMQError(.invalidArgument) { try socket.bind("inproc://nul\u{0}inside") }
    }

    @Test func addressInUse() throws {
        let first = try Socket(context, type: .pull)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try first.lastEndpoint
        let second = try Socket(context, type: .pull)
        let error = expectZMQError(.addressInUse) { try second.bind(endpoint) }
        #expect(error?.message == "Address already in use")
        #expect(error?.code.description.hasPrefix("addressInUse") == true)

        let name = "inproc://\(uniqueName())"
        try first.bind(name)
        expectZMQError(.addressInUse) { try second.bind(name) }
    }

    @Test func unbindAndDisconnect() throws {
        let socket = try Socket(context, type: .pull)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try socket.lastEndpoint
        try socket.unbind(endpoint)
        expectZMQError(.noSuchEntity) { try socket.unbind(endpoint) }
        let client = try Socket(context, type: .push)
        try client.connect(endpoint)
        try client.disconnect(endpoint)
        expectZMQError(.noSuchEntity) { try client.disconnect(endpoint) }
    }

    @Test func closedSocketThrowsNotSocket() throws {
        let socket = try Socket(context, type: .pair)
        socket.close()
        socket.close()  // idempotent
        #expect(socket.isClosed)
        #expect(socket.description == "Socket(PAIR, closed)")
        let error = expectZMQError(.notSocket) { try socket.send([try Frame("x")]) }
        #expect(error?.message == "socket is closed")
        expectZMQError(.notSocket) { try socket.send(try Frame("x")) }
        expectZMQError(.notSocket) { try socket.receive(dontWait: true) }
        expectZMQError(.notSocket) { try socket.receiveFrame(dontWait: true) }
        expectZMQError(.notSocket) { try socket.bind("inproc://closed") }
        expectZMQError(.notSocket) { try socket.connect("inproc://closed") }
        expectZMQError(.notSocket) { try socket.get(.linger) }
        expectZMQError(.notSocket) { try socket.set(.linger, .zero) }
        expectZMQError(.notSocket) { try socket.lastEndpoint }
        expectZMQError(.notSocket) { try socket.events }
    }

    @Test func nonBlockingCallsReportNothingToDo() throws {
        let pull = try Socket(context, type: .pull)
        try pull.bind("inproc://\(uniqueName())")
        #expect(try pull.receive(dontWait: true) == nil)
        #expect(try pull.receiveFrame(dontWait: true) == nil)
        let push = try Socket(context, type: .push)  // no peer at all
        #expect(try push.send([try Frame("x")], dontWait: true) == false)
        #expect(try push.send(try Frame("x"), dontWait: true) == false)
        // A receive timeout ends a blocking receive with nil as well.
        try pull.set(.receiveTimeout, .milliseconds(20))
        #expect(try pull.receive() == nil)
    }

    @Test func emptyMessagesAreRejected() throws {
        let push = try Socket(context, type: .push)
        expectZMQError(.invalidArgument) { try push.send([Frame]()) }
        expectZMQError(.invalidArgument) { try push.receive(maxFrames: 0) }
    }

    @Test func maxFramesGuardDiscardsTheWholeMessage() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push in
            let hostile = try (0..<1000).map { try Frame("\($0)") }
            try push.send(hostile)
            try push.send(try frames("next", "message"))
            let error = expectZMQError(.messageTooLarge) { try pull.receive(maxFrames: 10) }
            #expect(error?.message.contains("more than 10 frames") == true)
            #expect(strings(try pull.receive(maxFrames: 10)) == ["next", "message"])
            // Exactly at the limit is fine.
            try push.send(try (0..<10).map { try Frame("\($0)") })
            #expect(try pull.receive(maxFrames: 10)?.count == 10)
        }
    }

    @Test func aVeryLongMessageIsDroppedASliceAtATimeWithoutBlocking() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push in
            // 40,000 frames: the first non-blocking read drops 16,384 past the first 10 and throws,
            // the next ones drop a slice each and return nil (more is waiting), then the next message.
            for _ in 0..<40_000 { try push.send(Frame(), more: true) }
            try push.send(Frame())
            try push.send(try frames("next", "message"))
            expectZMQError(.messageTooLarge) { try pull.receive(dontWait: true, maxFrames: 10) }
            #expect(pull.mayHaveUnannouncedEvents)
            #expect(try pull.receive(dontWait: true, maxFrames: 10) == nil)
            #expect(pull.mayHaveUnannouncedEvents, "a loop must come back for the rest")
            var reads = 0
            var next: [Frame]?
            while next == nil, reads < 10 {
                next = try pull.receive(dontWait: true, maxFrames: 10)
                reads += 1
            }
            #expect(strings(next) == ["next", "message"])
            #expect(reads == 1, "40,000 frames take three slices of 16,384")
            #expect(try pull.receive(dontWait: true, maxFrames: 10) == nil)
            #expect(!pull.mayHaveUnannouncedEvents)
        }
    }

    @Test func requestSocketsEnforceLockStep() throws {
        try withConnectedPair(context, .inproc, bind: .reply, connect: .request) { _, request in
            try request.send(try frames("one"))
            expectZMQError(.invalidState) { try request.send(try frames("two")) }
        }
    }

    @Test func routerMandatoryReportsUnknownPeers() throws {
        let router = try Socket(context, type: .router)
        try router.set(.routerMandatory, true)
        try router.bind("inproc://\(uniqueName())")
        expectZMQError(.hostUnreachable) { try router.send(try frames("nobody", "", "hello")) }
    }

    @Test func codesHaveNamesAndTexts() {
        #expect(ZMQError.Code.contextTerminated.description.hasPrefix("contextTerminated"))
        #expect(ZMQError(code: .contextTerminated, operation: "x").message == "Context was terminated")
        #expect(ZMQError(code: .wouldBlock, operation: "x").message == "Resource temporarily unavailable")
        #expect(ZMQError.Code(errno: 12345).description == "errno (errno 12345)")
        let custom = ZMQError(code: .invalidArgument, message: "custom", operation: "op")
        #expect(custom.description == "op: custom (invalidArgument (errno 22))")
    }
}
