import Testing
import ZeroMQ

/// Every socket pair ZRPC builds on, over inproc, ipc and tcp.
@Suite struct SocketPatternTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test(arguments: Transport.allCases)
    func requestReply(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .reply, connect: .request) { server, client in
            try client.send(try frames("ping"))
            let request = try #require(try server.receive())
            #expect(strings(request) == ["ping"])
            if transport != .inproc {  // inproc connections carry no ZMTP metadata
                #expect(request[0].metadata("Socket-Type") == "REQ")
            }
            try server.send(try frames("pong"))
            #expect(strings(try client.receive()) == ["pong"])
            // A second round trip: REQ/REP's lock-step is reset correctly.
            try client.send(try frames("again", "two parts"))
            #expect(strings(try server.receive()) == ["again", "two parts"])
            try server.send(try frames("ok"))
            #expect(strings(try client.receive()) == ["ok"])
        }
    }

    @Test(arguments: Transport.allCases)
    func dealerRouter(transport: Transport) throws {
        let identity: [UInt8] = Array("client-7".utf8)
        try withConnectedPair(
            context,
            transport,
            bind: .router,
            connect: .dealer,
            configureConnecting: { dealer in try dealer.set(.routingID, identity) }
        ) { router, dealer in
            try router.set(.routerMandatory, true)
            try dealer.send([Frame(), try Frame("hello")])
            let request = try #require(try router.receive())
            #expect(request.count == 3)
            #expect(request[0].bytes == identity)
            #expect(request[1].isEmpty)
            #expect(request[2].string == "hello")
            try router.send([request[0], Frame(), try Frame("world")])
            let reply = try #require(try dealer.receive())
            #expect(reply.count == 2)
            #expect(reply[0].isEmpty)
            #expect(reply[1].string == "world")
        }
    }

    @Test(arguments: Transport.allCases)
    func pushPull(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .pull, connect: .push) { pull, push in
            for index in 0..<20 {
                try push.send(try frames("task", "\(index)"))
            }
            for index in 0..<20 {
                #expect(strings(try pull.receive()) == ["task", "\(index)"])
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func publishSubscribe(transport: Transport) throws {
        try withConnectedPair(
            context,
            transport,
            bind: .publish,
            connect: .subscribe,
            configureConnecting: { subscriber in try subscriber.subscribe("weather.") }
        ) { publisher, subscriber in
            // Slow joiner: the subscription reaches the publisher some time after connect. Publish until
            // the subscriber sees a message, bounded by a deadline; each wait is a short receive timeout.
            try subscriber.set(.receiveTimeout, .milliseconds(20))
            let deadline = ContinuousClock.now + patience
            var received: [Frame]?
            while received == nil, ContinuousClock.now < deadline {
                try publisher.send(try frames("sports.result", "ignored"))
                try publisher.send(try frames("weather.today", "sunny"))
                received = try subscriber.receive()
            }
            #expect(strings(received) == ["weather.today", "sunny"])
            // Only matching topics arrive.
            try publisher.send(try frames("sports.result", "ignored"))
            try publisher.send(try frames("weather.tomorrow", "rain"))
            try subscriber.set(.receiveTimeout, patience)
            var next = try #require(try subscriber.receive())
            while next[0].string == "weather.today" {  // leftovers of the retry loop
                next = try #require(try subscriber.receive())
            }
            #expect(strings(next) == ["weather.tomorrow", "rain"])
        }
    }

    @Test(arguments: Transport.allCases)
    func xpublishXsubscribe(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .xpublish, connect: .xsubscribe) { xpub, xsub in
            // XSUB subscribes by sending \x01<topic>; XPUB receives it, so no slow-joiner guessing is needed.
            try xsub.send([try Frame(bytes: [1] + Array("news".utf8))])
            let subscription = try #require(try xpub.receive())
            #expect(subscription.count == 1)
            #expect(subscription[0].bytes == [1] + Array("news".utf8))
            try xpub.send(try frames("news", "headline"))
            #expect(strings(try xsub.receive()) == ["news", "headline"])
            // Unsubscribing arrives as \x00<topic>.
            try xsub.send([try Frame(bytes: [0] + Array("news".utf8))])
            #expect(try xpub.receive()?.first?.bytes == [0] + Array("news".utf8))
        }
    }

    @Test(arguments: Transport.allCases)
    func pair(transport: Transport) throws {
        try withConnectedPair(context, transport, bind: .pair, connect: .pair) { left, right in
            try right.send(try frames("to", "left"))
            #expect(strings(try left.receive()) == ["to", "left"])
            try left.send(try frames("to", "right"))
            #expect(strings(try right.receive()) == ["to", "right"])
        }
    }

    @Test func socketTypesDescribeThemselves() throws {
        let expected: [(SocketType, String)] = [
            (.request, "REQ"), (.reply, "REP"), (.dealer, "DEALER"), (.router, "ROUTER"), (.push, "PUSH"),
            (.pull, "PULL"), (.publish, "PUB"), (.subscribe, "SUB"), (.xpublish, "XPUB"), (.xsubscribe, "XSUB"),
            (.pair, "PAIR"),
        ]
        for (type, name) in expected {
            #expect(type.description == name)
            let socket = try Socket(context, type: type)
            #expect(try socket.get(.type) == type)
        }
    }
}
