import Logging
import ZRPC

/// The driver: for each payload size, starts the server children its contenders need (raw, raw
/// decoding each call, ZRPC with its defaults, ZRPC with `.concurrent` handlers), measures every contender in
/// interleaved rounds from this process, and stops the children (always, whatever failed). Each
/// ZRPC round uses a new `Client`, closed at the end of the round, so one contender's client does
/// not run timers in the background of the next one's.
struct Driver {
    let options: BenchmarkOptions

    /// Results by payload size, then contender.
    typealias Results = [Int: [Contender: ContenderResult]]

    /// Everything the run produced.
    struct Outcome {
        var payloads: [Payload] = []
        var results: Results = [:]
        /// The idle probe (first payload only): raw and ZRPC `.concurrent`.
        var idle: [Contender: IdleResult] = [:]
        /// Failures outside any one contender's measurement.
        var failures: [String] = []
        /// The streaming row (against the ZRPC server with the default configuration).
        var stream: StreamBenchmark.Result?
    }

    /// Runs every measurement; failures are recorded in the outcome, not thrown.
    func run() async -> Outcome {
        var outcome = Outcome()
        // The directory contender E resolves the default server through; it runs here, in the driver.
        let directory = Server(
            configuration: .init(
                endpoints: ["tcp://127.0.0.1:*"],
                logger: Logger(label: "bench-directory") { _ in SwiftLogNoOpLogHandler() }
            ),
            services: [ServiceDirectory()]
        )
        Task { try await directory.run() }  // ends when the defer below asks it to
        defer { directory.beginGracefulShutdown() }
        let directoryEndpoint: String
        do {
            directoryEndpoint = try await directory.listeningEndpoints[0]
        } catch {
            outcome.failures.append("the directory did not start: \(error)")
            return outcome
        }
        for size in options.payloadSizes {
            let payload: Payload
            do {
                payload = try Payload(size: size)
            } catch {
                outcome.failures.append("could not build a \(size)-byte request: \(error)")
                continue
            }
            outcome.payloads.append(payload)

            var children: [ServerKind: ChildProcess] = [:]
            defer { for child in children.values { child.stop() } }
            for kind in ServerKind.allCases where options.contenders.contains(where: { $0.server == kind }) {
                do {
                    let arguments = kind.arguments(directoryEndpoint: directoryEndpoint)
                    let child = try ChildProcess(arguments: arguments)
                    children[kind] = child
                    progress("started \(arguments.joined(separator: " ")) (pid \(child.pid)) on \(child.endpoint)")
                } catch {
                    outcome.failures.append("server child: \(error)")
                }
            }

            let contenders = Contender.allCases.filter { options.contenders.contains($0) && children[$0.server] != nil }
            var results: [Contender: ContenderResult] = [:]
            for round in 0..<options.rounds {
                progress("\(payload.label): round \(round + 1) of \(options.rounds)")
                // Rotate the order each round so no contender always follows the same one.
                let shift = contenders.isEmpty ? 0 : round % contenders.count
                for contender in contenders[shift...] + contenders[..<shift] {
                    guard let child = children[contender.server] else { continue }
                    let part = await measureRound(
                        contender,
                        child: child,
                        directory: contender == .zrpcDirectory ? directoryEndpoint : nil,
                        payload: payload,
                        failures: &outcome.failures
                    )
                    results[contender, default: ContenderResult()].add(part)
                }
            }
            outcome.results[size] = results

            if size == options.payloadSizes.first {
                await idleProbes(children: children, payload: payload, outcome: &outcome)
                if let child = children[.zrpcDefaults] {
                    outcome.stream = await StreamBenchmark(options: options).run(zrpcEndpoint: child.endpoint)
                }
            }
            for (kind, child) in children where !child.isRunning {
                outcome.failures.append(
                    "server child \(kind.arguments(directoryEndpoint: directoryEndpoint).joined(separator: " ")) (pid \(child.pid)) exited during the run"
                )
            }
        }
        return outcome
    }

    /// One round of one contender.
    private func measureRound(
        _ contender: Contender,
        child: ChildProcess,
        directory: String?,
        payload: Payload,
        failures: inout [String]
    ) async -> ContenderResult {
        if !contender.isZRPC {
            return await RawClient(
                endpoint: child.endpoint,
                server: child.counters,
                payload: payload,
                options: options,
                contender: contender
            )
            .measureRound()
        }
        do {
            let (result, clientFailures) = try await ZRPCClientRunner.with(
                endpoint: child.endpoint,
                directory: directory,
                security: contender == .zrpcCurve
                    ? try .curveClient(keys: BenchmarkKeys.client, serverPublicKey: BenchmarkKeys.server.publicKey)
                    : .plaintext,
                server: child.counters,
                payload: payload,
                options: options
            ) { runner in
                await runner.measureRound(contender)
            }
            failures += clientFailures
            return result
        } catch {
            var result = ContenderResult()
            result.failures.append("ZRPC client for \(child.endpoint): \(error)")
            return result
        }
    }

    /// A short load then an idle window, against the raw server and the ZRPC `.concurrent` one.
    private func idleProbes(children: [ServerKind: ChildProcess], payload: Payload, outcome: inout Outcome) async {
        if let child = children[.raw] {
            progress("idle probe: raw")
            switch await RawClient(
                endpoint: child.endpoint,
                server: child.counters,
                payload: payload,
                options: options,
                contender: .raw
            )
            .idleProbe() {
            case .success(let idle): outcome.idle[.raw] = idle
            case .failure(let error): outcome.failures.append("raw idle probe: \(error)")
            }
        }
        if let child = children[.zrpcDefaults] {
            progress("idle probe: ZRPC")
            do {
                let (idle, clientFailures) = try await ZRPCClientRunner.with(
                    endpoint: child.endpoint,
                    server: child.counters,
                    payload: payload,
                    options: options
                ) { runner in
                    await runner.idleProbe()
                }
                outcome.idle[.zrpcDefaults] = idle
                outcome.failures += clientFailures
            } catch {
                outcome.failures.append("ZRPC idle probe: \(error)")
            }
        }
    }
}
