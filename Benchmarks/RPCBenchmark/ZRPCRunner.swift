import EchoMessages
import Foundation
import Histogram
import ZRPC

/// The ZRPC server child (`rpc-benchmark serve-zrpc [--concurrent] [--curve SECRET CLIENT]`): a
/// `Server` hosting the echo service on `tcp://127.0.0.1:*`, with the default configuration or
/// `.concurrent` handlers, in plain text or CURVE (the server's secret key, one client key allowed).
enum ZRPCServerChild {
    /// Starts the server, prints its endpoint and serves until the driver goes away.
    ///
    /// - Parameters:
    ///   - concurrent: Run handlers on the global executor instead of the default.
    ///   - directory: A directory to announce the server to.
    ///   - curve: Serve CURVE with this secret key, allowing this client public key.
    static func run(concurrent: Bool, directory: String?, curve: (secretKey: String, client: String)?) async throws {
        var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        if concurrent { configuration.handlerExecution = .concurrent }
        if let curve {
            configuration.security = .curveServer(
                keys: try CurveKeys(secretKey: curve.secretKey),
                allowList: try CurveAllowList(keys: [curve.client])
            )
        }
        if let directory { configuration.directory = .init(directory: [directory]) }
        configuration.logger.logLevel = .warning
        configuration.name = concurrent ? "bench-server-concurrent" : "bench-server"
        let server = Server(
            configuration: configuration,
            services: [BenchmarkEchoService(), BenchmarkEchoStreamService()]
        )
        let label = concurrent ? "serve-zrpc --concurrent" : "serve-zrpc"
        ParentWatchdog.start {
            let statistics = server.statistics.snapshot()
            let counts = [
                ("malformed", statistics.malformedMessages), ("unsupported version", statistics.unsupportedVersions),
                ("unimplemented", statistics.unimplementedCalls), ("rejected", statistics.rejectedCalls),
                ("deadline exceeded", statistics.deadlinesExceeded), ("cancelled", statistics.cancelledCalls),
                ("undeliverable", statistics.undeliverableResponses),
            ].filter { $0.1 != 0 }
            if !counts.isEmpty {
                let text = counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                FileHandle.standardError.write(Data("[\(label)] server statistics: \(text)\n".utf8))
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            guard let endpoint = try await server.listeningEndpoints.first else {
                throw ChildProcessError(message: "the server bound no endpoint")
            }
            ParentWatchdog.announce(endpoint: endpoint)
            try await group.waitForAll()
        }
    }
}

/// The ZRPC client side: one `Client` per server and the generated `Echo_Echo.Client` stub.
/// Latency is a loop of sequential awaits; throughput with N in flight is N tasks each calling in
/// a loop until the time is up. Callers run either on the global executor or in tasks that prefer
/// `client.executor` (resumed on the client's I/O thread, no thread hop).
struct ZRPCClientRunner: Sendable {
    let client: Client
    let server: ServerCounters
    let payload: Payload
    let options: BenchmarkOptions

    private var echo: Echo_Echo.Client { Echo_Echo.Client(wrapping: client) }

    /// Runs `body` with a client connected to `endpoint`, then shuts the client down.
    ///
    /// - Returns: What `body` returned, and the late or malformed responses the client counted.
    /// - Throws: What running the client throws (a malformed endpoint).
    static func with<Result: Sendable>(
        endpoint: String,
        directory: String? = nil,
        security: TransportSecurity = .plaintext,
        server: ServerCounters,
        payload: Payload,
        options: BenchmarkOptions,
        _ body: (ZRPCClientRunner) async -> Result
    ) async throws -> (Result, failures: [String]) {
        var configuration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(5))
        configuration.security = security
        if let directory {
            configuration.endpoints = []
            configuration.directory = .init(directory: [directory], service: Echo_Echo.descriptor.fullName)
        }
        return try await Client.withClient(configuration: configuration) { client in
            let result = await body(
                ZRPCClientRunner(client: client, server: server, payload: payload, options: options)
            )
            let statistics = client.statistics.snapshot()
            guard statistics.lateResponses != 0 || statistics.malformedResponses != 0 else { return (result, []) }
            let line =
                "ZRPC client statistics (\(payload.label)): \(statistics.lateResponses) late, "
                + "\(statistics.malformedResponses) malformed responses"
            return (result, [line])
        }
    }

    /// Keeps 64 calls in flight for `options.idleProbeLoad`, then leaves the client open but idle
    /// and counts thread switches in `options.idleSlices` slices.
    func idleProbe() async -> IdleResult {
        let run = await Self.concurrentCalls(
            echo: echo,
            request: payload.request,
            inFlight: 64,
            duration: options.idleProbeLoad,
            executor: nil
        )
        let (server, options) = (server, options)
        return await onDedicatedThread(name: "idle-probe") {
            IdleResult.measure(
                server: server,
                loadCalls: run.calls,
                slice: options.idleSlice,
                slices: options.idleSlices
            )
        }
    }

    /// Measures one round (latency, then every throughput level) for `contender`.
    func measureRound(_ contender: Contender) async -> ContenderResult {
        let executor: (any TaskExecutor)? = contender.callersOnClientExecutor ? client.executor : nil
        let name = "ZRPC \(contender.label) \(payload.label)"
        var result = ContenderResult()
        progress("\(name): latency")
        let echo = echo
        let request = payload.request
        let options = options
        let server = server
        var sent = client.statistics.snapshot()
        let latency = await withTaskExecutorPreference(executor) {
            await Self.sequentialCalls(echo: echo, request: request, options: options, server: server)
        }
        result.latency = latency.histogram
        result.latencyTotals = latency.totals
        countRequests(in: &result.latencyTotals, since: &sent)
        if let failure = latency.failure { result.failures.append("\(name) latency: \(failure)") }
        for inFlight in options.inFlightLevels {
            progress("\(name): \(inFlight) in flight")
            let warmup = await Self.concurrentCalls(
                echo: echo,
                request: request,
                inFlight: inFlight,
                duration: options.throughputWarmup,
                executor: executor
            )
            if let failure = warmup.firstError {
                result.failures.append(
                    "\(name), \(inFlight) in flight, warm-up: \(warmup.errors) failed calls, first: \(failure)"
                )
            }
            sent = client.statistics.snapshot()
            let meter = PhaseMeter(server: server)
            let run = await Self.concurrentCalls(
                echo: echo,
                request: request,
                inFlight: inFlight,
                duration: options.throughputDurationPerRound,
                executor: executor
            )
            var totals = meter.finish(calls: run.calls, errors: run.errors, elapsed: run.elapsed)
            countRequests(in: &totals, since: &sent)
            result.throughput[inFlight] = totals
            if let failure = run.firstError {
                result.failures.append("\(name), \(inFlight) in flight: \(run.errors) failed calls, first: \(failure)")
            }
        }
        return result
    }

    /// Adds the requests and request messages the client sent since `earlier` to `totals`.
    private func countRequests(in totals: inout PhaseTotals, since earlier: inout ClientStatistics.Snapshot) {
        let now = client.statistics.snapshot()
        totals.requestsSent = now.requestsSent - earlier.requestsSent
        totals.requestMessagesSent = now.requestMessagesSent - earlier.requestMessagesSent
        earlier = now
    }

    /// What a latency round produced.
    private struct SequentialRun {
        var histogram = ContenderResult.makeHistogram()
        var totals = PhaseTotals()
        var failure: String?
    }

    /// Warms up, then times calls made one after another.
    private static func sequentialCalls(
        echo: Echo_Echo.Client,
        request: Echo_EchoRequest,
        options: BenchmarkOptions,
        server: ServerCounters
    ) async -> SequentialRun {
        let expectedLength = request.text.utf8.count
        var errors = 0
        var firstError: String?
        func call() async -> Bool {
            do {
                let reply = try await echo.say(request)
                if reply.text.utf8.count == expectedLength { return true }
                firstError = firstError ?? "a reply of the wrong size"
            } catch {
                firstError = firstError ?? "\(error)"
            }
            errors += 1
            return false
        }
        var run = SequentialRun()
        for _ in 0..<options.warmupCallsPerRound {
            _ = await call()
            if errors > 20 {
                run.failure = "warm-up: \(errors) failed calls, first: \(firstError ?? "?")"
                return run
            }
        }
        let warmupFailure = errors > 0 ? "warm-up: \(errors) failed calls, first: \(firstError ?? "?"); " : ""
        errors = 0
        firstError = nil
        let meter = PhaseMeter(server: server)
        var calls = 0
        for _ in 0..<options.latencyCallsPerRound {
            let start = ContinuousClock.now
            if await call() {
                run.histogram.record(microseconds(start.duration(to: .now)))
                calls += 1
            } else if errors > 20 {
                break
            }
        }
        run.totals = meter.finish(calls: calls, errors: errors)
        let failure = errors > 0 ? "\(errors) failed calls, first: \(firstError ?? "?")" : ""
        run.failure = warmupFailure.isEmpty && failure.isEmpty ? nil : warmupFailure + failure
        return run
    }

    /// What a throughput run did.
    private struct ConcurrentRun: Sendable {
        var calls = 0
        var errors = 0
        var firstError: String?
        var elapsed: Duration = .zero
    }

    /// Runs `inFlight` tasks that each call in a loop until `duration` has passed.
    private static func concurrentCalls(
        echo: Echo_Echo.Client,
        request: Echo_EchoRequest,
        inFlight: Int,
        duration: Duration,
        executor: (any TaskExecutor)?
    ) async -> ConcurrentRun {
        let start = ContinuousClock.now
        let deadline = start.advanced(by: duration)
        let expectedLength = request.text.utf8.count
        var total = await withTaskGroup(of: ConcurrentRun.self) { group in
            for _ in 0..<inFlight {
                group.addTask(executorPreference: executor) {
                    var run = ConcurrentRun()
                    while ContinuousClock.now < deadline {
                        do {
                            let reply = try await echo.say(request)
                            if reply.text.utf8.count == expectedLength {
                                run.calls += 1
                                continue
                            }
                            run.firstError = run.firstError ?? "a reply of the wrong size"
                        } catch {
                            run.firstError = run.firstError ?? "\(error)"
                        }
                        run.errors += 1
                        if run.errors > 20 { break }
                    }
                    return run
                }
            }
            var total = ConcurrentRun()
            for await run in group {
                total.calls += run.calls
                total.errors += run.errors
                total.firstError = total.firstError ?? run.firstError
            }
            return total
        }
        total.elapsed = start.duration(to: .now)
        return total
    }
}
