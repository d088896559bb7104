/// The driver: for each payload size, starts each server child in turn (raw, ZRPC `.concurrent`,
/// ZRPC `.ioThread`), measures it from this process, and stops it before the next one, so only
/// one server runs at a time and none outlives its measurement.
struct Driver {
    let options: BenchmarkOptions

    /// Results by payload size, then contender.
    typealias Results = [Int: [Contender: ContenderResult]]

    /// Runs every measurement; failures are recorded in the results, not thrown.
    func run() async -> (payloads: [Payload], results: Results, failures: [String]) {
        var payloads: [Payload] = []
        var results: Results = [:]
        var failures: [String] = []
        for size in options.payloadSizes {
            let payload: Payload
            do {
                payload = try Payload(size: size)
            } catch {
                failures.append("could not build a \(size)-byte request: \(error)")
                continue
            }
            payloads.append(payload)
            var byContender: [Contender: ContenderResult] = [:]

            await withServer(["serve-raw"], failures: &failures) { child in
                byContender[.raw] = await RawClient(
                    endpoint: child.endpoint, serverPID: child.pid, payload: payload, options: options
                ).measure()
            }
            for ioThread in [false, true] {
                let arguments = ioThread ? ["serve-zrpc", "--io-thread"] : ["serve-zrpc"]
                await withServer(arguments, failures: &failures) { child in
                    let runner = ZRPCClientRunner(endpoint: child.endpoint, serverPID: child.pid, payload: payload, options: options)
                    let measured = await runner.measure(
                        plain: ioThread ? .zrpcIOThread : .zrpcConcurrent,
                        onClientExecutor: ioThread ? .zrpcIOThreadClientExecutor : .zrpcConcurrentClientExecutor,
                        serverLabel: ioThread ? "server .ioThread" : "server .concurrent"
                    )
                    byContender.merge(measured) { $1 }
                }
            }
            results[size] = byContender
        }
        return (payloads, results, failures)
    }

    /// Starts a server child, runs `body` with it, and always stops it afterwards.
    private func withServer(
        _ arguments: [String],
        failures: inout [String],
        _ body: (ChildProcess) async -> Void
    ) async {
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: arguments)
        } catch {
            failures.append("server child: \(error)")
            return
        }
        defer { child.stop() }
        progress("started \(arguments.joined(separator: " ")) (pid \(child.pid)) on \(child.endpoint)")
        await body(child)
        if !child.isRunning {
            failures.append("server child \(arguments.joined(separator: " ")) (pid \(child.pid)) exited during its measurement")
        }
    }
}
