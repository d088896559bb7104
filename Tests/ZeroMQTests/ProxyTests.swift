import Testing
import ZeroMQ

@Suite struct ProxyTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test func routerDealerProxyRelaysAndTerminates() throws {
        let context = self.context
        let frontend = "inproc://\(uniqueName())"
        let backend = "inproc://\(uniqueName())"
        let controlEndpoint = "inproc://\(uniqueName())"
        let bound = Signal()
        let proxy = BackgroundThread { () -> Bool in
            // The proxy thread owns its sockets.
            let router = try Socket(context, type: .router)
            let dealer = try Socket(context, type: .dealer)
            let control = try Socket(context, type: .pair)
            try router.bind(frontend)
            try dealer.bind(backend)
            try control.bind(controlEndpoint)
            bound.raise()
            try Proxy.run(frontend: router, backend: dealer, control: control)
            return true
        }
        #expect(bound.wait())

        let client = try makeSocket(context, .request)
        try client.connect(frontend)
        let worker = try makeSocket(context, .reply)
        try worker.connect(backend)
        for round in 0..<3 {
            try client.send(try frames("request \(round)"))
            #expect(strings(try worker.receive()) == ["request \(round)"])
            try worker.send(try frames("reply \(round)"))
            #expect(strings(try client.receive()) == ["reply \(round)"])
        }

        let controller = try makeSocket(context, .pair)
        try controller.connect(controlEndpoint)
        try Proxy.send(.statistics, to: controller)
        let statistics = try #require(try controller.receive())
        #expect(statistics.count == 8)
        #expect(statistics.allSatisfy { $0.count == 8 })
        // The frontend received three requests.
        #expect(statistics[0].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } == 3)

        try Proxy.send(.pause, to: controller)
        try Proxy.send(.resume, to: controller)
        try Proxy.send(.terminate, to: controller)
        let outcome = try #require(proxy.join(), "the proxy thread did not stop")
        #expect(try outcome.get())
    }

    @Test func contextShutdownStopsAProxy() throws {
        let context = try Context()
        let bound = Signal()
        let proxy = BackgroundThread { () -> ZMQError.Code? in
            let pull = try Socket(context, type: .pull)
            let push = try Socket(context, type: .push)
            try pull.bind("inproc://\(uniqueName())")
            try push.bind("inproc://\(uniqueName())")
            bound.raise()
            do {
                try Proxy.run(frontend: pull, backend: push)
                return nil
            } catch {
                return (error as? ZMQError)?.code
            }
        }
        #expect(bound.wait())
        context.shutdown()
        let outcome = try #require(proxy.join(), "the proxy thread did not stop")
        #expect(try outcome.get() == .contextTerminated)
    }

    @Test func commands() {
        #expect(Proxy.Command.terminate.rawValue == "TERMINATE")
        #expect(Proxy.Command.pause.description == "PAUSE")
        #expect(Proxy.Command.resume.rawValue == "RESUME")
        #expect(Proxy.Command.statistics.rawValue == "STATISTICS")
    }
}
