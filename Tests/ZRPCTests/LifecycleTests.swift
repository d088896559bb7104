import ConformanceMessages
import ConformanceServices
import Foundation
import Testing
import ZRPC
import ZeroMQ

@Suite("Server lifecycle")
struct LifecycleTests {
    @Test("a client reconnects to a restarted server on the same endpoint")
    func restart() async throws {
        let events = EventRecorder()
        let first = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger), services: [TestService(events: events, gates: Gates(), name: "first")])
        try await first.start()
        let endpoint = first.boundEndpoints[0]
        let client = try await Client(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(5)))
        let stub = TestRPC.Client(wrapping: client)
        #expect(try await stub.call(.init(text: "a")).servedBy == "first")
        await first.shutdown()

        let second = Server(configuration: .init(endpoints: [endpoint], logger: quietLogger), services: [TestService(events: events, gates: Gates(), name: "second")])
        try await startRebinding(second)
        // A call sent in the instant before the client noticed the old connection closed is lost
        // with it (ZeroMQ never redelivers; retries are the resilience layer's job): allow one.
        var reply: CallReply?
        for _ in 0..<3 where reply == nil {
            reply = try? await stub.call(.init(text: "b"), options: .init(timeout: .seconds(2)))
        }
        #expect(reply?.servedBy == "second")
        await client.close()
        await second.shutdown()
    }

    @Test("a call made before any server is up is sent when one comes up")
    func callBeforeServer() async throws {
        let probe = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger), services: [])
        try await probe.start()
        let endpoint = probe.boundEndpoints[0]
        await probe.shutdown()
        let client = try await Client(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(10)))
        let early = Task { try await TestRPC.Client(wrapping: client).call(.init(text: "early")) }
        let events = EventRecorder()
        let server = Server(configuration: .init(endpoints: [endpoint], logger: quietLogger), services: [TestService(events: events, gates: Gates())])
        try await startRebinding(server)
        #expect(try await early.value.text == "early")
        await client.close()
        await server.shutdown()
    }

    /// Starts a server on an address a server of this process just released: libzmq closes the
    /// old listener on its own I/O thread, so the port can stay busy for a moment (bounded: 2 s).
    private func startRebinding(_ server: Server) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(2))
        while true {
            do {
                try await server.start()
                return
            } catch let error as ZMQError where error.code == .addressInUse && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test("graceful shutdown refuses new calls and lets calls in flight finish")
    func gracefulShutdown() async throws {
        let harness = try await Harness.start()
        let inFlight = Task { try await harness.stub.call(.init(text: "draining", gate: "finish")) }
        #expect(await harness.events.wait(for: "started:draining"))
        let shutdown = Task {
            harness.events.record("shutdown-called")
            await harness.server.shutdown()
        }
        // Once shutdown has begun, new calls are refused with UNAVAILABLE. `shutdown()` posts its
        // drain before it first suspends, and the server's loop takes posted commands before it
        // reads its socket, so a call made after the event is refused; a few more tries cover the
        // moment between the event and the post.
        #expect(await harness.events.wait(for: "shutdown-called"))
        var refused: RPCError?
        for _ in 0..<50 where refused == nil {
            do {
                _ = try await harness.stub.call(.init(text: "late"), options: .init(timeout: .seconds(1)))
            } catch let error as RPCError {
                refused = error
            }
        }
        #expect(refused?.code == .unavailable)
        harness.gates.open("finish")
        #expect(try await inFlight.value.text == "draining")
        await shutdown.value
        await harness.client.close()
    }

    @Test("the grace period ends calls that do not finish")
    func gracePeriodExpires() async throws {
        let harness = try await Harness.start(configureServer: { $0.gracePeriod = .milliseconds(200) })
        let stuck = Task { try await harness.stub.call(.init(text: "stuck", gate: "never")) }
        #expect(await harness.events.wait(for: "started:stuck"))
        await harness.server.shutdown()
        let error = try await rpcError { try await stuck.value }
        #expect(error.code == .unavailable)
        #expect(await harness.events.wait(for: "cancelled:stuck"))
        await harness.client.close()
    }

    @Test("run() serves until its task is cancelled")
    func runAsService() async throws {
        let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger), services: [TestService(events: EventRecorder(), gates: Gates())])
        try await server.start()
        let running = Task { try await server.run() }
        let client = try await Client(configuration: .init(endpoints: server.boundEndpoints))
        #expect(try await TestRPC.Client(wrapping: client).call(.init(text: "r")).text == "r")
        running.cancel()
        try await running.value
        await client.close()
    }

    @Test("a call on a closed client fails at once with UNAVAILABLE, whatever executor it runs on")
    func callAfterClose() async throws {
        let harness = try await Harness.start()
        #expect(try await harness.stub.call(.init(text: "open")).text == "open")
        await harness.client.close()
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await rpcError { try await harness.stub.call(.init(text: "closed"), options: .init(timeout: .seconds(30))) }
        #expect(error.code == .unavailable)
        #expect(error.metadata[RPCError.notSentMetadataKey] == "true")
        // A task that prefers the closed client's I/O thread still runs, and fails the same way.
        let stub = harness.stub
        let onClosedExecutor = try await Task(executorPreference: harness.client.executor) {
            try await rpcError { try await stub.call(.init(text: "closed"), options: .init(timeout: .seconds(30))) }
        }.value
        #expect(onClosedExecutor.code == .unavailable)
        #expect(start.duration(to: clock.now) < .seconds(5))
        await harness.server.shutdown()
    }

    @Test("closing a client fails the calls whose tasks wait on its I/O thread, and those tasks go on")
    func closeWithCallersOnExecutor() async throws {
        let harness = try await Harness.start(configureServer: { $0.gracePeriod = .milliseconds(200) })
        let stub = harness.stub
        let outcomes = EventRecorder()
        for index in 0..<3 {
            Task(executorPreference: harness.client.executor) {
                let error = try await rpcError { try await stub.call(.init(text: "wait\(index)", gate: "never"), options: .init(timeout: .seconds(30))) }
                outcomes.record("failed:\(index):\(error.code)")
            }
        }
        for index in 0..<3 {
            #expect(await harness.events.wait(for: "started:wait\(index)"))
        }
        await harness.client.close()
        for index in 0..<3 {
            #expect(await outcomes.wait(for: "failed:\(index):\(RPCError.Code.unavailable)", timeout: .seconds(5)))
        }
        await harness.server.shutdown()
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
        let server = Server(configuration: serverConfiguration, services: [TestService(events: EventRecorder(), gates: Gates())])
        try await server.start()
        var clientConfiguration = Client.Configuration(endpoints: server.boundEndpoints)
        clientConfiguration.transportContext = context
        clientConfiguration.name = name + "c"
        let client = try await Client(configuration: clientConfiguration)
        let stub = TestRPC.Client(wrapping: client)
        #expect(try await stub.call(.init(text: "before")).text == "before")
        #expect(threadNames().filter { $0.hasPrefix(name) }.count == 2)
        await ThreadExit.signal("client-thread-exited", to: exits, whenThreadOf: client.executor)

        context.shutdown()
        #expect(await exits.wait(for: "client-thread-exited", timeout: .seconds(5)))
        #expect(await exits.wait(for: "server-thread-exited", timeout: .seconds(5)))
        let error = try await rpcError { try await stub.call(.init(text: "after"), options: .init(timeout: .seconds(30))) }
        #expect(error.code == .unavailable)
        await client.close()
        await server.shutdown()
    }

    @Test("a client dropped without close() stops its I/O thread")
    func clientDeinitStopsThread() async throws {
        let name = "zrpc-drop-\(UInt32.random(in: 0 ... 99_999))"
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:9"])
        configuration.name = name
        var client: Client? = try await Client(configuration: configuration)
        #expect(threadNames().contains { $0.hasPrefix(name) })
        let exits = EventRecorder()
        if let executor = client?.executor {
            await ThreadExit.signal("client-thread-exited", to: exits, whenThreadOf: executor)
        }
        _ = client
        client = nil
        #expect(await exits.wait(for: "client-thread-exited", timeout: .seconds(5)))
    }

    @Test("a call waiting for a server leaves the client's I/O thread asleep")
    func waitingCallDoesNotSpin() async throws {
        let name = "zrpc-wait-\(UInt16.random(in: 1000...9999))"
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"], defaultTimeout: .seconds(1))
        configuration.name = name
        let client = try await Client(configuration: configuration)
        let stub = TestRPC.Client(wrapping: client)
        let before = try #require(cpuTicks(ofThreadNamed: name))
        let error = try await rpcError { try await stub.call(.init(text: "nobody is listening")) }
        #expect(error.code == .deadlineExceeded)
        let after = try #require(cpuTicks(ofThreadNamed: name))
        // A second of waiting costs the loop a few wake-ups; a loop that spun would show about
        // 100 ticks (a whole core for the second).
        #expect(after - before < 20, "the I/O thread used \(after - before) ticks while the call waited")
        await client.close()
    }

    @Test("binding an address in use fails with a clear error")
    func addressInUse() async throws {
        let first = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"], logger: quietLogger), services: [])
        try await first.start()
        let second = Server(configuration: .init(endpoints: first.boundEndpoints, logger: quietLogger), services: [])
        await #expect(throws: ZMQError.self) { try await second.start() }
        await first.shutdown()
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
