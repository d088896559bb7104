import Testing
import ZeroMQ

@Suite struct FrameTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    /// `count` random bytes: a SplitMix64 stream from one system-random seed. (Drawing each byte
    /// from the system generator took over a second per MiB in a debug build, on one of Swift's
    /// two pool threads, and stalled the other tests' tasks meanwhile.)
    static func randomBytes(_ count: Int) -> [UInt8] {
        var state = UInt64.random(in: .min ... .max)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var word: UInt64 = 0
            for index in 0..<count {
                if index % 8 == 0 {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    word = state
                    word = (word ^ (word >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    word = (word ^ (word >> 27)) &* 0x94D0_49BB_1331_11EB
                    word ^= word >> 31
                }
                buffer[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            }
            initialized = count
        }
    }

    @Test func constructionAndAccess() throws {
        let empty = Frame()
        #expect(empty.isEmpty)
        #expect(empty.count == 0)
        #expect(empty.bytes == [])
        #expect(empty.string == "")

        let text = try Frame("héllo")
        #expect(text.count == 6)
        #expect(text.string == "héllo")
        #expect(text.description == "Frame(6 bytes: \"héllo\")")

        let binary = try Frame(bytes: [0xff, 0xfe, 0x00])
        #expect(binary.string == nil)
        #expect(binary.bytes == [0xff, 0xfe, 0x00])
        #expect(binary.description == "Frame(3 bytes: fffe00)")
        #expect(binary.withUnsafeBytes { $0.count } == 3)

        // Non-contiguous collections are copied too.
        let ranged = try Frame(bytes: (0..<100).lazy.map { UInt8($0) })
        #expect(ranged.bytes == Array(0..<100))

        #expect(try Frame("same") == (try Frame(bytes: Array("same".utf8))))
        #expect(try Frame("same") != (try Frame("different")))
        #expect(text.metadata("Socket-Type") == nil)
    }

    @Test(arguments: [0, 1, 33, 34, 4096, 1 << 20])
    func filledInPlace(size: Int) throws {
        let frame = try Frame(size: size) { buffer in
            #expect(buffer.count == size)
            for index in buffer.indices {
                buffer[index] = UInt8(truncatingIfNeeded: index &* 31)
            }
        }
        #expect(frame.count == size)
        let matches = frame.withUnsafeBytes { bytes in
            bytes.indices.allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &* 31) }
        }
        #expect(matches)
    }

    @Test func fillErrorsPropagateAndNegativeSizesAreRejected() throws {
        struct Failure: Error {}
        #expect(throws: Failure.self) {
            _ = try Frame(size: 64) { _ in throw Failure() }
        }
        #expect(throws: ZMQError.self) {
            _ = try Frame(size: -1) { _ in }
        }
    }

    @Test(arguments: Transport.allCases)
    func multipartRoundTrip(transport: Transport) throws {
        let large = Self.randomBytes(1 << 20)
        let message = [
            Frame(), try Frame("a"), Frame(), try Frame(bytes: large), try Frame(bytes: Self.randomBytes(33)),
            try Frame(bytes: Self.randomBytes(34)), try Frame("z"), Frame(),
        ]
        try withConnectedPair(context, transport, bind: .pair, connect: .pair) { left, right in
            try right.send(message)
            let received = try #require(try left.receive())
            #expect(received == message)
            #expect(received[3].bytes == large)
            // And frame by frame.
            try left.send(received[1], more: true)
            try left.send(received[2], more: true)
            try left.send(received[3])
            let first = try #require(try right.receiveFrame())
            #expect(first.frame.string == "a" && first.more)
            #expect(try right.hasMoreFrames)
            let second = try #require(try right.receiveFrame())
            #expect(second.frame.isEmpty && second.more)
            let third = try #require(try right.receiveFrame())
            #expect(third.frame.count == 1 << 20 && !third.more)
            #expect(try !right.hasMoreFrames)
        }
    }

    @Test(arguments: [5, 1 << 16])
    func sharedFrameSentTwiceIsNotMutated(size: Int) throws {
        let content = Self.randomBytes(size)
        let frame = try Frame(bytes: content)
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push in
            try push.send([frame])
            try push.send([frame, frame])
            #expect(frame.count == size)
            #expect(frame.bytes == content)
            #expect(try pull.receive()?.map(\.bytes) == [content])
            #expect(try pull.receive()?.map(\.bytes) == [content, content])
            #expect(frame.bytes == content)
        }
    }

    /// One large frame sent concurrently from several threads, each with its own socket.
    @Test func sharedFrameSentFromManyThreads() throws {
        let content = Self.randomBytes(100_000)
        let frame = try Frame(bytes: content)
        let pull = try makeSocket(context, .pull)
        let endpoint = "inproc://\(uniqueName())"
        try pull.bind(endpoint)
        let context = self.context
        let senders = (0..<4).map { _ in
            BackgroundThread {
                let push = try makeSocket(context, .push)
                try push.set(.linger, patience)  // let queued messages reach the puller after close
                try push.connect(endpoint)
                for _ in 0..<50 {
                    try push.send([frame])
                }
                return true
            }
        }
        for _ in 0..<200 {
            let message = try #require(try pull.receive())
            #expect(message.count == 1)
            #expect(message[0].count == content.count)
        }
        for sender in senders {
            let outcome = try #require(sender.join())
            #expect(try outcome.get())
        }
        #expect(frame.bytes == content)
    }
}
