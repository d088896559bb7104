import BenchmarkKit

/// The throughput rows: messages per second received by a subscriber in a child process over
/// tcp://127.0.0.1, for each ``Route``, in alternated rounds. Every round is timed by the
/// subscriber, from its first message to its last, so connecting and the readiness handshake are
/// left out; nothing is dropped (back-pressure from the subscriber to the publisher, forwarders
/// that can queue a whole round), and a round in which anything went missing fails.
struct ThroughputBenchmark {
    let options: PubSubBenchmarkOptions

    /// Messages per second of each route, one figure per round, for one payload size.
    struct Result: Sendable {
        var rates: [Route: [Double]] = [:]
        /// CPU µs per message of the publishing and the subscribing process, per round.
        var publisherCPU: [Route: [Double]] = [:]
        var subscriberCPU: [Route: [Double]] = [:]
        /// Each route over raw direct, per round (measured seconds apart).
        var ratios: [Route: [Double]] = [:]
        var failures: [String] = []
    }

    /// Runs every round for `payload`.
    func run(_ payload: Payload) async -> Result {
        var result = Result()
        let count = options.messages[payload.size] ?? 100_000
        let routes = options.routes
        for round in 0..<options.rounds {
            progress("\(payload.label): round \(round + 1) of \(options.rounds) (\(count) messages each)")
            var rates: [Route: Double] = [:]
            for route in round % 2 == 0 ? routes : routes.reversed() {
                do {
                    let figures = try await measure(route, payload, count: count)
                    progress(
                        "  \(route.shortLabel): \(formatRate(figures.rate)) msg/s, CPU µs/msg "
                            + "\(format(figures.publisherCPU, 2)) publisher, \(format(figures.subscriberCPU, 2)) subscriber"
                    )
                    rates[route] = figures.rate
                    result.rates[route, default: []].append(figures.rate)
                    result.publisherCPU[route, default: []].append(figures.publisherCPU)
                    result.subscriberCPU[route, default: []].append(figures.subscriberCPU)
                } catch {
                    progress("  \(route.shortLabel) failed: \(error)")
                    result.failures.append("\(payload.label) \(route.shortLabel): \(error)")
                }
            }
            if let raw = rates[.rawDirect], raw > 0 {
                for (route, rate) in rates where route != .rawDirect {
                    result.ratios[route, default: []].append(rate / raw)
                }
            }
        }
        return result
    }

    private func measure(_ route: Route, _ payload: Payload, count: Int) async throws -> RoundFigures {
        if route.isRaw {
            return try await onDedicatedThread(name: "raw-publisher") {
                Swift.Result { try RawPublisher.round(payload, count: count, viaProxy: route.viaForwarder) }
            }
            .get()
        }
        return try await ZRPCPublisherRound.run(payload, count: count, viaForwarder: route.viaForwarder)
    }
}
