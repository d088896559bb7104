import Testing
import ZeroMQ

@Suite struct PollerTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test(arguments: Transport.allCases)
    func socketBecomesReadable(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .pull, connect: .push) { pull, push throws in
            let poller = Poller()
            let index = poller.add(pull, events: .readable)
            #expect(index == 0)
            #expect(try poller.poll(timeout: .zero) == 0)
            #expect(poller.returnedEvents(at: index) == [])
            try push.send(try frames("wake up"))
            #expect(try poller.poll(timeout: patience) == 1)
            #expect(poller.returnedEvents(at: index) == .readable)
            #expect(try pull.events.contains(.readable))
            #expect(strings(try pull.receive(dontWait: true)) == ["wake up"])
            #expect(try poller.poll(timeout: .zero) == 0)
        }
    }

    @Test func writableAndEventUpdates() throws {
        try withConnectedPair(context, .inproc, bind: .pull, connect: .push) { pull, push throws in
            let poller = Poller()
            let pullIndex = poller.add(pull, events: .readable)
            let pushIndex = poller.add(push, events: .writable)
            #expect(poller.count == 2)
            #expect(try poller.poll(timeout: patience) == 1)
            #expect(poller.returnedEvents(at: pushIndex) == .writable)
            #expect(poller.returnedEvents(at: pullIndex) == [])
            poller.setEvents([], at: pushIndex)
            #expect(try poller.poll(timeout: .zero) == 0)
            #expect(poller.returnedEvents(at: 99) == [])
            poller.removeAll()
            #expect(poller.count == 0)
        }
    }

    @Test func timeoutReturnsZero() throws {
        let pull = try Socket(context, type: .pull)
        try pull.bind("inproc://\(uniqueName())")
        let poller = Poller()
        poller.add(pull, events: .readable)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.poll(timeout: .milliseconds(50)) == 0)
        #expect(start.duration(to: clock.now) >= .milliseconds(45))
    }

    @Test func closedSocketInPollerThrows() throws {
        let pull = try Socket(context, type: .pull)
        let poller = Poller()
        poller.add(pull, events: .readable)
        pull.close()
        expectZMQError(.notSocket) { try poller.poll(timeout: .zero) }
    }

    @Test func wakeupSignalWakesAPollOnAnotherThread() throws {
        let wakeup = try WakeupSignal()
        let context = self.context
        let polling = Signal()
        let poller = BackgroundThread { () -> [String] in
            // The I/O thread owns its socket and poller; only the wake-up crosses threads.
            let pull = try Socket(context, type: .pull)
            try pull.bind("inproc://\(uniqueName())")
            let poller = Poller()
            let socketIndex = poller.add(pull, events: .readable)
            let wakeupIndex = poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
            polling.raise()
            let ready = try poller.poll(timeout: patience)
            var seen = ["ready \(ready)"]
            if poller.returnedEvents(at: wakeupIndex).contains(.readable) { seen.append("wakeup") }
            if poller.returnedEvents(at: socketIndex).contains(.readable) { seen.append("socket") }
            wakeup.drain()
            seen.append("after drain \(try poller.poll(timeout: .zero))")
            return seen
        }
        #expect(polling.wait())
        wakeup.signal()
        let outcome = try #require(poller.join())
        #expect(try outcome.get() == ["ready 1", "wakeup", "after drain 0"])
    }

    @Test func wakeupSignalsCoalesce() throws {
        let wakeup = try WakeupSignal()
        let poller = Poller()
        let index = poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
        #expect(try poller.poll(timeout: .zero) == 0)
        wakeup.signal()
        wakeup.signal()
        wakeup.signal()
        #expect(try poller.poll(timeout: patience) == 1)
        #expect(poller.returnedEvents(at: index) == .readable)
        wakeup.drain()
        #expect(try poller.poll(timeout: .zero) == 0)
        wakeup.drain()  // draining nothing does not block
        #expect(wakeup.fileDescriptor >= 0)
    }
}
