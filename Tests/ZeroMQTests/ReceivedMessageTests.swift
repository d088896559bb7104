import Testing
import ZeroMQ

@Suite struct ReceivedMessageTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    private struct BodyFailed: Error {}

    @Test(arguments: Transport.allCases)
    func readsInPlaceAndKeepsOnlyTheFramesTaken(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .pull, connect: .push) { pull, push throws in
            let large = [UInt8](repeating: 7, count: 1000)
            try push.send([try Frame("a"), Frame(), try Frame("hello"), try Frame(bytes: large)])
            let kept = try pull.receiveMessage(maxFrames: 8) { message -> ([Int], [Bool], String?, Frame, Frame) in
                // (#expect cannot take a non-copyable value, so the readings are returned.)
                let sizes = (0..<message.count).map { message.size(at: $0) }
                let empties = (0..<message.count).map { message.isEmpty(at: $0) }
                let text = message.withUnsafeBytes(at: 2) { String(validating: $0, as: UTF8.self) }
                return (sizes, empties, text, message.frame(at: 0), message.frame(at: 3))
            }
            let (sizes, empties, text, small, big) = try #require(kept)
            #expect(sizes == [1, 0, 5, 1000])
            #expect(empties == [false, true, false, false])
            #expect(text == "hello")
            // The socket's buffers are reused by the next message; the frames taken are not.
            try push.send([try Frame("b"), try Frame(bytes: [UInt8](repeating: 9, count: 1000))])
            #expect(try pull.receiveMessage(maxFrames: 8) { $0.count } == 2)
            #expect(small.string == "a")
            #expect(big.bytes == large)
        }
    }

    @Test func nothingWaitingIsNil() throws {
        let pull = try Socket(context, type: .pull)
        defer { pull.close() }
        try pull.bind("inproc://\(uniqueName())")
        var called = false
        #expect(try pull.receiveMessage(dontWait: true, maxFrames: 4) { _ in called = true } == nil)
        #expect(!called)
        #expect(!pull.mayHaveUnannouncedEvents)
        expectZMQError(.invalidArgument) { try pull.receiveMessage(dontWait: true, maxFrames: 0) { $0.count } }
    }

    @Test func tooManyFramesDiscardsTheWholeMessage() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push throws in
            try push.send(try (0..<1000).map { try Frame("\($0)") })
            try push.send(try frames("next", "message"))
            let error = expectZMQError(.messageTooLarge) { try pull.receiveMessage(maxFrames: 10) { $0.count } }
            #expect(error?.message.contains("more than 10 frames") == true)
            let next = try pull.receiveMessage(maxFrames: 10) { message in
                (0..<message.count).map { index in
                    message.withUnsafeBytes(at: index) { String(decoding: $0, as: UTF8.self) }
                }
            }
            #expect(next == ["next", "message"])
            // Exactly at the limit is fine, and a larger limit later grows the buffers.
            try push.send(try (0..<10).map { try Frame("\($0)") })
            #expect(try pull.receiveMessage(maxFrames: 10) { $0.count } == 10)
            try push.send(try (0..<40).map { try Frame("\($0)") })
            #expect(try pull.receiveMessage(maxFrames: 64) { $0.count } == 40)
        }
    }

    @Test func whatTheBodyThrowsPropagatesAndTheSocketStaysUsable() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push throws in
            try push.send(try frames("first", "x"))
            try push.send(try frames("second"))
            #expect(throws: BodyFailed.self) { try pull.receiveMessage(maxFrames: 4) { _ in throw BodyFailed() } }
            let second = try pull.receiveMessage(maxFrames: 4) { message in
                message.withUnsafeBytes(at: 0) { String(decoding: $0, as: UTF8.self) }
            }
            #expect(second == "second")
        }
    }

    @Test func aFrameTakenTwiceIsEmptyTheSecondTime() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push throws in
            try push.send(try frames("once"))
            let taken = try pull.receiveMessage(maxFrames: 1) { message in (message.frame(at: 0), message.frame(at: 0))
            }
            let (first, second) = try #require(taken)
            #expect(first.string == "once")
            #expect(second.isEmpty)
        }
    }
}
