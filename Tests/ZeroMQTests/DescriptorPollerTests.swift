import Synchronization
import Testing
import ZeroMQ

@Suite struct DescriptorPollerTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    /// Receives until the socket would block; returns the messages read.
    private func drain(_ socket: Socket) throws -> [[String?]] {
        var messages: [[String?]] = []
        while let message = try socket.receive(dontWait: true) {
            messages.append(strings(message) ?? [])
        }
        return messages
    }

    /// Waits and reads until a message arrives (a notification can be about something else,
    /// a connection completing say) or ``patience`` passes.
    private func waitForMessages(_ poller: DescriptorPoller, _ socket: Socket) throws -> [[String?]] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: patience)
        while clock.now < deadline {
            guard try poller.wait(timeout: clock.now.duration(to: deadline)) > 0 else { continue }
            let messages = try drain(socket)
            if !messages.isEmpty { return messages }
        }
        return []
    }

    @Test(arguments: Transport.allCases)
    func waitsUntilASocketIsSignalled(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .pull, connect: .push) { pull, push throws in
            let poller = DescriptorPoller()
            let index = try poller.add(pull)
            #expect(index == 0)
            // The first message also proves the connection is up (completing it notifies too).
            try push.send(try frames("hello"))
            #expect(try waitForMessages(poller, pull) == [["hello"]])
            #expect(!pull.mayHaveUnannouncedEvents)

            try push.send(try frames("wake up"))
            #expect(try waitForMessages(poller, pull) == [["wake up"]])
            #expect(poller.isReady(at: index))
            #expect(!pull.mayHaveUnannouncedEvents)
            #expect(try poller.wait(timeout: .zero) == 0)
            #expect(!poller.isReady(at: index))
        }
    }

    @Test func aSocketNotReadUntilItWouldBlockIsReportedAtOnce() throws {
        let pull = try Socket(context, type: .pull)
        defer { pull.close() }
        try pull.bind("inproc://\(uniqueName())")
        let poller = DescriptorPoller()
        let index = try poller.add(pull)
        // A new socket has never been read: waiting must not block on its descriptor.
        #expect(pull.mayHaveUnannouncedEvents)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.wait(timeout: patience) == 1)
        #expect(poller.isReady(at: index))
        #expect(start.duration(to: clock.now) < .seconds(1))
        #expect(try pull.receive(dontWait: true) == nil)
        #expect(!pull.mayHaveUnannouncedEvents)
    }

    @Test func sendingAndEventQueriesUpdateTheFlag() throws {
        try withConnectedPair(context, .inproc, bind: .router, connect: .dealer) { router, dealer throws in
            #expect(try drain(dealer).isEmpty)
            #expect(!dealer.mayHaveUnannouncedEvents)
            try dealer.send(try frames("ping"))
            #expect(dealer.mayHaveUnannouncedEvents)
            let poller = DescriptorPoller()
            let index = try poller.add(dealer)
            #expect(try poller.wait(timeout: patience) == 1)
            #expect(poller.isReady(at: index))
            #expect(try dealer.events.contains(.readable) == false)
            #expect(!dealer.mayHaveUnannouncedEvents)

            let request = try #require(try router.receive())
            try router.send([request[0], try Frame("pong")])
            #expect(try waitForMessages(poller, dealer) == [["pong"]])
        }
    }

    @Test func plainDescriptorsAndTimeouts() throws {
        let wakeup = try WakeupSignal()
        let poller = DescriptorPoller()
        let index = poller.add(fileDescriptor: wakeup.fileDescriptor)
        #expect(poller.count == 1)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.wait(timeout: .milliseconds(50)) == 0)
        #expect(start.duration(to: clock.now) >= .milliseconds(45))
        wakeup.signal()
        #expect(try poller.wait(timeout: patience) == 1)
        #expect(poller.isReady(at: index))
        #expect(!poller.isReady(at: 7))
        wakeup.drain()
        #expect(try poller.wait(timeout: .zero) == 0)
    }

    @Test func aClosedSocketThrows() throws {
        let pull = try Socket(context, type: .pull)
        let poller = DescriptorPoller()
        try poller.add(pull)
        pull.close()
        expectZMQError(.notSocket) { try poller.wait(timeout: .zero) }
        expectZMQError(.notSocket) { try poller.add(pull) }
    }

    /// A loop that waits on the descriptor between batches, as ZRPC's I/O threads do, keeps 32
    /// messages in flight against an echo thread for 5,000 messages: a notification lost to a
    /// send would leave it waiting, and the bounded wait would fail the test. (It runs on threads
    /// of its own, off the cooperative pool.)
    @Test(arguments: [Transport.inproc, .tcp])
    func aPipelinedLoopNeverMissesANotification(transport: Transport) async throws {
        let context = self.context
        let (received, echoed) = try await offPool { () throws -> (Int, Int) in
            try Self.pipelinedLoop(context: context, transport: transport, total: 5_000)
        }
        #expect(received == 5_000)
        #expect(echoed == 5_000)
    }

    /// The body of ``aPipelinedLoopNeverMissesANotification(transport:)``: replies received and
    /// messages echoed.
    private static func pipelinedLoop(context: Context, transport: Transport, total: Int) throws -> (Int, Int) {
        let bound = Signal()
        let endpoint = Mutex("")
        let echo = BackgroundThread { () -> Int in
            // The echo socket lives on its own thread: sockets do not cross threads.
            let router = try makeSocket(context, .router)
            defer { router.close() }
            try router.bind(transport.bindEndpoint())
            let resolved = try router.lastEndpoint
            endpoint.withLock { $0 = resolved }
            bound.raise()
            var echoed = 0
            while echoed < total {
                guard let message = try router.receive() else { throw EchoTimedOut() }
                try router.send(message)
                echoed += 1
            }
            return echoed
        }
        guard bound.wait() else { throw EchoTimedOut() }
        let dealer = try makeSocket(context, .dealer)
        defer { dealer.close() }
        try dealer.connect(endpoint.withLock { $0 })
        let poller = DescriptorPoller()
        let index = try poller.add(dealer)
        var sent = 0
        var received = 0
        let payload = try Frame("x")
        while received < total {
            // Wait first, then read, then send: the sends leave the socket with events its
            // descriptor may not announce, which the next wait must notice by itself.
            guard try poller.wait(timeout: patience) > 0, poller.isReady(at: index) else { break }
            while try dealer.receive(dontWait: true) != nil { received += 1 }
            while sent < total, sent - received < 32 {
                guard try dealer.send([payload], dontWait: true) else { break }
                sent += 1
            }
        }
        let echoed = try echo.join()?.get() ?? -1
        return (received, echoed)
    }
}

/// The echo thread of ``DescriptorPollerTests`` waited ``patience`` for a message.
private struct EchoTimedOut: Error {}
