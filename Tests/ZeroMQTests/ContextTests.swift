import Synchronization
import Testing
import ZeroMQ

@Suite struct ContextTests {
    @Test func shutdownUnblocksAReceiveOnAnotherThread() throws {
        let context = try Context()
        let receiving = Signal()
        let receiver = BackgroundThread { () -> ZMQError.Code? in
            let pull = try Socket(context, type: .pull)  // no receive timeout: blocks until shutdown
            try pull.bind("inproc://\(uniqueName())")
            receiving.raise()
            do {
                _ = try pull.receive()
                return nil
            } catch {
                return (error as? ZMQError)?.code
            }
        }
        #expect(receiving.wait())
        context.shutdown()
        context.shutdown()  // idempotent
        let outcome = try #require(receiver.join(), "the receive did not return after shutdown")
        #expect(try outcome.get() == .contextTerminated)
        expectZMQError(.contextTerminated) { try Socket(context, type: .pair) }
    }

    @Test func droppingContextAndSocketsWithQueuedMessagesNeverHangs() throws {
        let dropped = BackgroundThread { () -> Bool in
            let context = try Context()
            // Messages queued towards a peer that never answers, over every transport.
            let push = try Socket(context, type: .push)
            try push.connect("tcp://127.0.0.1:1")  // nothing listens on port 1
            try push.connect("ipc:///tmp/\(uniqueName())-absent.ipc")
            try push.connect("inproc://\(uniqueName())")
            for _ in 0..<10 {
                _ = try push.send([try Frame(bytes: [UInt8](repeating: 1, count: 100_000))], dontWait: true)
            }
            let pub = try Socket(context, type: .publish)
            try pub.bind("tcp://127.0.0.1:*")
            _ = try pub.send([try Frame("unheard")], dontWait: true)
            // The CURVE case: a handshake that can never complete.
            let server = try Socket(context, type: .reply)
            let keys = try CurveKeyPair.generate()
            try server.set(.curveServer, true)
            try server.set(.curveSecretKey, keys.secretKey)
            try server.bind("tcp://127.0.0.1:*")
            let client = try Socket(context, type: .request)
            try client.set(.curveServerKey, try CurveKeyPair.generate().publicKey)
            try client.set(.curvePublicKey, keys.publicKey)
            try client.set(.curveSecretKey, keys.secretKey)
            try client.connect(try server.lastEndpoint)
            _ = try client.send([try Frame("stuck")], dontWait: true)
            return true  // everything is dropped here: sockets close, then the context terminates
        }
        let outcome = try #require(dropped.join(), "dropping the context hung")
        #expect(try outcome.get())
    }

    @Test func explicitCloseThenDropIsFine() throws {
        let context = try Context()
        let socket = try Socket(context, type: .dealer)
        try socket.connect("tcp://127.0.0.1:1")
        _ = try socket.send([try Frame("x")], dontWait: true)
        socket.close()
        #expect(socket.context === context)
    }

    @Test func withContextShutsDownAfterTheBody() async throws {
        let (context, echoed) = try await withContext(ioThreads: 2) { context in
            let endpoint = "inproc://\(uniqueName())"
            let pull = try makeSocket(context, .pull)
            try pull.bind(endpoint)
            let push = try makeSocket(context, .push)
            try push.connect(endpoint)
            try push.send(try frames("inside"))
            return (context, try pull.receive()?.first?.string)
        }
        #expect(echoed == "inside")
        #expect(context.ioThreads == 2)
        expectZMQError(.contextTerminated) { try Socket(context, type: .pair) }
    }

    @Test func withContextShutsDownWhenTheBodyThrows() async throws {
        struct Failure: Error {}
        let escaped = Mutex<Context?>(nil)
        await #expect(throws: Failure.self) {
            try await withContext { context in
                escaped.withLock { $0 = context }
                throw Failure()
            }
        }
        let context = try #require(escaped.withLock { $0 })
        expectZMQError(.contextTerminated) { try Socket(context, type: .pair) }
    }

    @Test func invalidThreadCount() {
        expectZMQError(.invalidArgument) { try Context(ioThreads: -1) }
    }

    @Test func version() {
        let version = ZeroMQVersion.current
        #expect(version >= ZeroMQVersion(major: 4, minor: 3, patch: 0))
        #expect(version.description == "\(version.major).\(version.minor).\(version.patch)")
        #expect(ZeroMQVersion.has("curve"))
        #expect(ZeroMQVersion.has("ipc"))
        #expect(!ZeroMQVersion.has("no-such-capability"))
    }
}
