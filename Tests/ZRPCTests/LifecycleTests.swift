import ConformanceMessages
import ConformanceServices
import Foundation
import Testing
import ZRPC
import ZeroMQ

@Suite("Lifecycle")
struct LifecycleTests {
    static func testServer(
        _ endpoint: String = "tcp://127.0.0.1:*",
        name: String = "test-service",
        events: EventRecorder = EventRecorder()
    ) -> Server {
        Server(
            configuration: .init(endpoints: [endpoint], logger: quietLogger),
            services: [TestService(events: events, gates: Gates(), name: name)]
        )
    }

    @Test("a client reconnects to a restarted server on the same endpoint")
    func restart() async throws {
        let first = try await RunningServer.start(Self.testServer(name: "first"))
        let endpoint = first.endpoints[0]
        let client = try RunningClient.start(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(5)))
        let stub = TestRPC.Client(wrapping: client.client)
        #expect(try await stub.call(.init(text: "a")).servedBy == "first")
        await first.stop()

        let second = try await startRebinding { Self.testServer(endpoint, name: "second") }
        // A call sent in the instant before the client noticed the old connection closed is lost
        // with it (ZeroMQ never redelivers; retries are the resilience layer's job): allow one.
        var reply: CallReply?
        for _ in 0..<3 where reply == nil {
            reply = try? await stub.call(.init(text: "b"), options: .init(timeout: .seconds(2)))
        }
        #expect(reply?.servedBy == "second")
        await client.stop()
        await second.stop()
    }

    @Test("a call made before any server is up is sent when one comes up")
    func callBeforeServer() async throws {
        let probe = try await RunningServer.start(Self.testServer())
        let endpoint = probe.endpoints[0]
        await probe.stop()
        let client = try RunningClient.start(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(10)))
        let early = Task { try await TestRPC.Client(wrapping: client.client).call(.init(text: "early")) }
        let server = try await startRebinding { Self.testServer(endpoint) }
        #expect(try await early.value.text == "early")
        await client.stop()
        await server.stop()
    }

    /// Runs a server on an address a server of this process just released: libzmq closes the
    /// old listener on its own I/O thread, so the port can stay busy for a moment (bounded: 2 s).
    private func startRebinding(_ makeServer: () -> Server) async throws -> RunningServer {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(2))
        while true {
            do {
                return try await RunningServer.start(makeServer())
            } catch let error as RPCError
                where (error.cause as? ZMQError)?.code == .addressInUse && clock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test("graceful shutdown refuses new calls and lets calls in flight finish")
    func gracefulShutdown() async throws {
        let harness = try await Harness.start()
        let inFlight = Task { try await harness.stub.call(.init(text: "draining", gate: "finish")) }
        #expect(await harness.events.wait(for: "started:draining"))
        // From beginGracefulShutdown() on, new calls are refused with UNAVAILABLE.
        harness.server.beginGracefulShutdown()
        let shutdown = Task { await harness.stopServer() }
        let refused = try await rpcError {
            try await harness.stub.call(.init(text: "late"), options: .init(timeout: .seconds(1)))
        }
        #expect(refused.code == .unavailable)
        #expect(refused.neverReachedServer)
        harness.gates.open("finish")
        #expect(try await inFlight.value.text == "draining")
        await shutdown.value
        await harness.close()
    }

    @Test("the grace period ends calls that do not finish")
    func gracePeriodExpires() async throws {
        let harness = try await Harness.start(configureServer: { $0.gracePeriod = .milliseconds(200) })
        let stuck = Task { try await harness.stub.call(.init(text: "stuck", gate: "never")) }
        #expect(await harness.events.wait(for: "started:stuck"))
        await harness.stopServer()
        let error = try await rpcError { try await stuck.value }
        #expect(error.code == .unavailable)
        #expect(await harness.events.wait(for: "cancelled:stuck"))
        await harness.close()
    }

    @Test("run() serves until its task is cancelled, then cancels calls in flight without a grace period")
    func runUntilCancelled() async throws {
        let events = EventRecorder()
        let server = Server(
            configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger),
            services: [TestService(events: events, gates: Gates())]
        )
        let running = Task { try await server.run() }
        let endpoints = try await server.listeningEndpoints
        try await Client.withClient(configuration: .init(endpoints: endpoints)) { client in
            let stub = TestRPC.Client(wrapping: client)
            #expect(try await stub.call(.init(text: "r")).text == "r")
            let stuck = Task { try await stub.call(.init(text: "stuck", gate: "never")) }
            #expect(await events.wait(for: "started:stuck"))
            let clock = ContinuousClock()
            let start = clock.now
            running.cancel()
            try await running.value
            #expect(start.duration(to: clock.now) < .seconds(5))  // the 10 s grace period did not apply
            #expect(try await rpcError { try await stuck.value }.code == .unavailable)
        }
    }

    @Test("withServer and withClient run around their bodies and shut down when the body throws")
    func scopedLifecycles() async throws {
        struct Planned: Error {}
        var endpoint = ""
        await #expect(throws: Planned.self) {
            try await Server.withServer(
                configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger),
                services: [TestService(events: EventRecorder(), gates: Gates())]
            ) { server in
                endpoint = server.boundEndpoints[0]
                try await Client.withClient(configuration: .init(endpoints: [endpoint])) { client in
                    #expect(try await TestRPC.Client(wrapping: client).call(.init(text: "in")).text == "in")
                    throw Planned()
                }
            }
        }
        // The server is gone: the address binds again.
        let again = try await startRebinding { Self.testServer(endpoint) }
        await again.stop()
    }

    @Test("a call made before the client runs waits for it; one whose deadline passes first fails, not sent")
    func callsBeforeRun() async throws {
        try await Server.withServer(
            configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger),
            services: [TestService(events: EventRecorder(), gates: Gates())]
        ) { server in
            let client = try Client(configuration: .init(endpoints: server.boundEndpoints))
            let stub = TestRPC.Client(wrapping: client)
            let expired = try await rpcError {
                try await stub.call(.init(text: "too soon"), options: .init(timeout: .milliseconds(50)))
            }
            #expect(expired.code == .deadlineExceeded)
            #expect(expired.neverReachedServer)
            let early = Task { try await stub.call(.init(text: "early"), options: .init(timeout: .seconds(10))) }
            let running = Task { try await client.run() }
            #expect(try await early.value.text == "early")
            client.beginGracefulShutdown()
            try await running.value
        }
    }

    @Test("a client or server runs once")
    func runOnce() async throws {
        let client = try RunningClient.start(configuration: .init(endpoints: ["tcp://127.0.0.1:9"]))
        await client.stop()
        #expect(try await rpcError { try await client.client.run() }.code == .failedPrecondition)
        let server = try await RunningServer.start(Self.testServer())
        await server.stop()
        #expect(try await rpcError { try await server.server.run() }.code == .failedPrecondition)
    }

    @Test("shutdown asked for before run() makes run() return at once")
    func shutdownBeforeRun() async throws {
        let client = try Client(configuration: .init(endpoints: ["tcp://127.0.0.1:9"]))
        client.beginGracefulShutdown()
        try await client.run()
        let refused = try await rpcError { try await TestRPC.Client(wrapping: client).call(.init(text: "x")) }
        #expect(refused.code == .unavailable)
        let server = Self.testServer()
        server.beginGracefulShutdown()
        try await server.run()
        #expect(try await rpcError { try await server.listeningEndpoints }.code == .unavailable)
    }

    @Test("graceful client shutdown refuses new calls (not sent) and lets calls in flight finish")
    func clientGracefulShutdown() async throws {
        let harness = try await Harness.start()
        let inFlight = Task { try await harness.stub.call(.init(text: "finishing", gate: "finish")) }
        #expect(await harness.events.wait(for: "started:finishing"))
        harness.client.beginGracefulShutdown()
        let refused = try await rpcError { try await harness.stub.call(.init(text: "late")) }
        #expect(refused.code == .unavailable)
        #expect(refused.neverReachedServer)
        harness.gates.open("finish")
        #expect(try await inFlight.value.text == "finishing")
        try await harness.runningClient.task.value
        await harness.close()
    }

    @Test("a call on a stopped client fails at once with UNAVAILABLE, whatever executor it runs on")
    func callAfterStop() async throws {
        let harness = try await Harness.start()
        #expect(try await harness.stub.call(.init(text: "open")).text == "open")
        await harness.runningClient.stop()
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await rpcError {
            try await harness.stub.call(.init(text: "closed"), options: .init(timeout: .seconds(30)))
        }
        #expect(error.code == .unavailable)
        #expect(error.metadata[RPCError.notSentMetadataKey] == "true")
        // A task that prefers the stopped client's I/O thread still runs, and fails the same way.
        let stub = harness.stub
        let onClosedExecutor = try await Task(executorPreference: harness.client.executor) {
            try await rpcError { try await stub.call(.init(text: "closed"), options: .init(timeout: .seconds(30))) }
        }.value
        #expect(onClosedExecutor.code == .unavailable)
        #expect(start.duration(to: clock.now) < .seconds(5))
        await harness.close()
    }

    @Test("cancelling a client's run fails the calls whose tasks wait on its I/O thread, and those tasks go on")
    func cancelWithCallersOnExecutor() async throws {
        let harness = try await Harness.start(configureServer: { $0.gracePeriod = .milliseconds(200) })
        let stub = harness.stub
        let outcomes = EventRecorder()
        for index in 0..<3 {
            Task(executorPreference: harness.client.executor) {
                let error = try await rpcError {
                    try await stub.call(
                        .init(text: "wait\(index)", gate: "never"),
                        options: .init(timeout: .seconds(30))
                    )
                }
                outcomes.record("failed:\(index):\(error.code)")
            }
        }
        for index in 0..<3 {
            #expect(await harness.events.wait(for: "started:wait\(index)"))
        }
        await harness.runningClient.cancel()
        for index in 0..<3 {
            #expect(await outcomes.wait(for: "failed:\(index):\(RPCError.Code.unavailable)", timeout: .seconds(5)))
        }
        await harness.close()
    }

    @Test("shutting down a shared context stops the I/O threads instead of spinning, and calls fail")
    func sharedContextShutdown() async throws {
        let name = "zrpc-ctx-\(UInt32.random(in: 0 ... 99_999))"
        let context = try TransportContext()
        var serverConfiguration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger)
        serverConfiguration.transportContext = context
        serverConfiguration.name = name + "s"
        // Handlers (and so this interceptor) run on the server's I/O thread: it reports that thread's end.
        let exits = EventRecorder()
        serverConfiguration.handlerExecution = .ioThread
        serverConfiguration.interceptors = [ThreadExitInterceptor(event: "server-thread-exited", events: exits)]
        let server = try await RunningServer.start(
            configuration: serverConfiguration,
            services: [TestService(events: EventRecorder(), gates: Gates())]
        )
        var clientConfiguration = Client.Configuration(endpoints: server.endpoints)
        clientConfiguration.transportContext = context
        clientConfiguration.name = name + "c"
        let client = try RunningClient.start(configuration: clientConfiguration)
        let stub = TestRPC.Client(wrapping: client.client)
        #expect(try await stub.call(.init(text: "before")).text == "before")
        #expect(threadNames().filter { $0.hasPrefix(name) }.count == 2)
        await ThreadExit.signal("client-thread-exited", to: exits, whenThreadOf: client.client.executor)

        context.shutdown()
        #expect(await exits.wait(for: "client-thread-exited", timeout: .seconds(5)))
        #expect(await exits.wait(for: "server-thread-exited", timeout: .seconds(5)))
        let error = try await rpcError {
            try await stub.call(.init(text: "after"), options: .init(timeout: .seconds(30)))
        }
        #expect(error.code == .unavailable)
        await client.stop()
        await server.stop()
    }

    @Test("a client starts its I/O thread when it runs, not before, and leaves none behind")
    func clientThreadLifetime() async throws {
        let name = "zrpc-life-\(UInt32.random(in: 0 ... 99_999))"
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:9"])
        configuration.name = name
        let client = try Client(configuration: configuration)
        #expect(!threadNames().contains { $0.hasPrefix(name) })
        let running = Task { try await client.run() }
        // The job runs once the I/O thread does; it arms a signal for that thread's end.
        let exits = EventRecorder()
        await ThreadExit.signal("client-thread-exited", to: exits, whenThreadOf: client.executor)
        #expect(threadNames().contains { $0.hasPrefix(name) })
        client.beginGracefulShutdown()
        try await running.value
        #expect(await exits.wait(for: "client-thread-exited", timeout: .seconds(5)))
    }

    @Test("a call waiting for a server leaves the client's I/O thread asleep")
    func waitingCallDoesNotSpin() async throws {
        let name = "zrpc-wait-\(UInt16.random(in: 1000...9999))"
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"], defaultTimeout: .seconds(1))
        configuration.name = name
        try await Client.withClient(configuration: configuration) { client in
            let stub = TestRPC.Client(wrapping: client)
            await withTaskExecutorPreference(client.executor) {}  // runs once the I/O thread does
            let before = try #require(cpuTicks(ofThreadNamed: name))
            let error = try await rpcError { try await stub.call(.init(text: "nobody is listening")) }
            #expect(error.code == .deadlineExceeded)
            let after = try #require(cpuTicks(ofThreadNamed: name))
            // A second of waiting costs the loop a few wake-ups; a loop that spun would show about
            // 100 ticks (a whole core for the second).
            #expect(after - before < 20, "the I/O thread used \(after - before) ticks while the call waited")
        }
    }

    @Test("binding an address in use fails with a clear error")
    func addressInUse() async throws {
        let first = try await RunningServer.start(Self.testServer())
        let second = Server(configuration: .init(endpoints: first.endpoints, logger: quietLogger), services: [])
        let error = try await rpcError { try await second.run() }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("could not start"))
        #expect((error.cause as? ZMQError)?.code == .addressInUse)
        #expect(try await rpcError { try await second.listeningEndpoints }.code == .unavailable)
        await first.stop()
    }
}

/// The names of this process's threads (`/proc/self/task/*/comm`), to see I/O threads come and go.
private func threadNames() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
}

/// The CPU time (user + system, in clock ticks) of this process's thread named `name`, from
/// `/proc/self/task/*/stat`; nil when no thread has that name.
private func cpuTicks(ofThreadNamed name: String) -> Int? {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    for task in tasks {
        let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
        guard comm.trimmingCharacters(in: .whitespacesAndNewlines) == name,
            let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { continue }
        // After the ")" closing the name: state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }
    return nil
}
