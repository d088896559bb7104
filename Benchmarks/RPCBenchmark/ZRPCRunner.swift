import EchoMessages
import Foundation
import Histogram
import ZRPC

/// The ZRPC server child (`rpc-benchmark serve-zrpc [--io-thread]`): a `Server` hosting the echo
/// service on `tcp://127.0.0.1:*`, handlers `.concurrent` (default) or `.ioThread`.
enum ZRPCServerChild {
    /// Starts the server, prints its endpoint and serves until the driver goes away.
    ///
    /// - Parameter ioThread: Run handlers on the server's I/O thread.
    static func run(ioThread: Bool) async throws {
        var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        configuration.handlerExecution = ioThread ? .ioThread : .concurrent
        configuration.logger.logLevel = .warning
        configuration.name = ioThread ? "bench-server-io" : "bench-server"
        let server = Server(configuration: configuration, services: [BenchmarkEchoService()])
        let label = ioThread ? "serve-zrpc --io-thread" : "serve-zrpc"
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
        try await server.start()
        guard let endpoint = server.boundEndpoints.first else {
            throw ChildProcessError(message: "the server bound no endpoint")
        }
        ParentWatchdog.announce(endpoint: endpoint)
        try await server.run()
    }
}

/// The ZRPC client side: one `Client` and the generated `Echo_Echo.Client` stub. Latency is a
/// loop of sequential awaits; throughput with N in flight is N tasks each calling in a loop until
/// the time is up. Every shape runs twice: callers on the global executor, then callers that
/// prefer `client.executor` (resumed on the client's I/O thread, no thread hop).
struct ZRPCClientRunner {
    let endpoint: String
    let serverPID: Int32
    let payload: Payload
    let options: BenchmarkOptions

    /// Measures both client modes against one server.
    ///
    /// - Parameters:
    ///   - plain: The contender for callers on the global executor.
    ///   - onClientExecutor: The contender for callers preferring `client.executor`.
    ///   - serverLabel: For progress lines.
    func measure(plain: Contender, onClientExecutor: Contender, serverLabel: String) async -> [Contender: ContenderResult] {
        let client: Client
        do {
            client = try await Client(configuration: .init(endpoints: [endpoint], defaultTimeout: .seconds(5)))
        } catch {
            var failed = ContenderResult()
            failed.failures.append("ZRPC client for \(endpoint): \(error)")
            return [plain: failed, onClientExecutor: failed]
        }
        let echo = Echo_Echo.Client(wrapping: client)
        var results: [Contender: ContenderResult] = [:]
        for (contender, executor) in [(plain, nil), (onClientExecutor, client.executor)] as [(Contender, (any TaskExecutor)?)] {
            let name = "ZRPC \(contender.label) (\(serverLabel), \(executor == nil ? "global executor" : "client.executor")) \(payload.label)"
            results[contender] = await measure(echo: echo, executor: executor, name: name)
        }
        results[plain]?.idle = await measureIdleAsync()
        let statistics = client.statistics.snapshot()
        if statistics.lateResponses != 0 || statistics.malformedResponses != 0 {
            results[plain]?.failures.append(
                "client statistics: \(statistics.lateResponses) late, \(statistics.malformedResponses) malformed responses"
            )
        }
        await client.close()
        return results
    }

    private func measure(echo: Echo_Echo.Client, executor: (any TaskExecutor)?, name: String) async -> ContenderResult {
        var result = ContenderResult()
        progress("\(name): latency")
        let request = payload.request
        let (latency, failure) = await withTaskExecutorPreference(executor) {
            await Self.sequentialLatency(echo: echo, request: request, options: options, serverPID: serverPID)
        }
        result.latency = latency
        if let failure { result.failures.append("\(name) latency: \(failure)") }
        for inFlight in options.inFlightLevels {
            progress("\(name): \(inFlight) in flight")
            _ = await Self.concurrentCalls(echo: echo, request: request, inFlight: inFlight, duration: options.throughputWarmup, executor: executor)
            let meter = PhaseMeter(serverPID: serverPID)
            let run = await Self.concurrentCalls(echo: echo, request: request, inFlight: inFlight, duration: options.throughputDuration, executor: executor)
            result.throughput[inFlight] = ThroughputResult(
                inFlight: inFlight,
                callsPerSecond: Double(run.calls) / seconds(run.elapsed),
                calls: run.calls,
                errors: run.errors,
                cost: meter.perCall(calls: run.calls)
            )
            if let failure = run.firstError {
                result.failures.append("\(name), \(inFlight) in flight: \(run.errors) failed calls, first: \(failure)")
            }
        }
        return result
    }

    /// Warms up, then times `options.latencyCalls` calls made one after another.
    private static func sequentialLatency(
        echo: Echo_Echo.Client,
        request: Echo_EchoRequest,
        options: BenchmarkOptions,
        serverPID: Int32
    ) async -> (LatencyResult?, String?) {
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
        for _ in 0..<options.warmupCalls {
            _ = await call()
            if errors > 20 { return (nil, "warm-up: \(errors) failed calls, first: \(firstError ?? "?")") }
        }
        errors = 0
        var histogram = LatencyResult.makeHistogram()
        let meter = PhaseMeter(serverPID: serverPID)
        for _ in 0..<options.latencyCalls {
            let start = ContinuousClock.now
            if await call() {
                histogram.record(microseconds(start.duration(to: .now)))
            } else if errors > 20 {
                break
            }
        }
        let cost = meter.perCall(calls: options.latencyCalls)
        let latency = histogram.totalCount > 0 ? LatencyResult(histogram: histogram, errors: errors, cost: cost) : nil
        return (latency, errors > 0 ? "\(errors) failed calls, first: \(firstError ?? "?")" : nil)
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

    /// Switches per second in both processes while the client sits idle, right after its load.
    private func measureIdleAsync() async -> IdleResult {
        let meter = PhaseMeter(serverPID: serverPID)
        let start = ContinuousClock.now
        try? await Task.sleep(for: options.idleWindow)
        let length = seconds(start.duration(to: .now))
        let (client, server) = meter.totals()
        return IdleResult(
            clientSwitchesPerSecond: Double(client.switches) / length,
            serverSwitchesPerSecond: server.map { Double($0.switches) / length }
        )
    }
}
