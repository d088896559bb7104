import BenchmarkKit

/// The report: a Markdown table of every measurement (median and spread over the rounds), the
/// failures, and the summary line `pubsub: direct/raw=R forwarder/raw=F` last.
struct Report {
    let options: PubSubBenchmarkOptions
    let commandLine: String
    let throughput: [(Payload, ThroughputBenchmark.Result)]
    let drops: [DropsBenchmark.Path: DropsBenchmark.Result]
    let wallTime: Duration

    var failures: [String] {
        throughput.flatMap(\.1.failures) + DropsBenchmark.Path.allCases.flatMap { drops[$0]?.failures ?? [] }
    }

    func render() -> String {
        var lines = reportHead(
            title: "pubsub-benchmark",
            commandLine: commandLine,
            rounds: options.rounds,
            wallTime: wallTime
        )
        for (payload, result) in throughput {
            let count = options.messages[payload.size] ?? 0
            for route in options.routes {
                let name =
                    "\(payload.label), \(route.label) (msg/s" + (route == .rawDirect ? ", \(count) per round)" : ")")
                lines.append(medianRow(name, result.rates[route] ?? [], formatRate))
                lines.append(
                    medianRow(
                        "\(payload.label), \(route.shortLabel): publisher CPU µs/msg",
                        result.publisherCPU[route] ?? []
                    ) {
                        format($0, 2)
                    }
                )
                lines.append(
                    medianRow(
                        "\(payload.label), \(route.shortLabel): subscriber CPU µs/msg",
                        result.subscriberCPU[route] ?? []
                    ) {
                        format($0, 2)
                    }
                )
                if route != .rawDirect {
                    lines.append(
                        medianRow("\(payload.label), \(route.shortLabel) / raw direct", result.ratios[route] ?? []) {
                            format($0, 2)
                        }
                    )
                }
            }
        }
        for path in DropsBenchmark.Path.allCases {
            guard let samples = drops[path]?.samples, !samples.isEmpty else { continue }
            let name = "drops \(path.label), high-water mark \(options.dropHighWaterMark)"
            func count(_ label: String, _ value: (DropsBenchmark.Sample) -> Int) {
                lines.append(medianRow("\(name): \(label)", samples.map { Double(value($0)) }) { "\(Int($0))" })
            }
            count("publish calls", \.calls)
            count("published (numbered)", \.published)
            count("dropped by the publisher's own queue", \.droppedByPublisher)
            count("received", \.received)
            count("gaps counted by the subscription", \.gaps)
            count("missed counted by the subscription", \.missed)
            lines.append(
                "| \(name): received + missed == published, published + dropped == calls | "
                    + "\(samples.filter(\.isExact).count) of \(samples.count) rounds | |"
            )
        }
        lines.append("")
        lines.append(notes)
        for failure in failures {
            lines.append("- FAILED: \(failure)")
        }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    private var notes: String {
        "Throughput: one publishing thread (raw) or task (ZRPC) in this process, one subscribing thread or task "
            + "in a child process, tcp://127.0.0.1, three frames per message (topic, header, payload), timed by "
            + "the subscriber from its first message to its last; CPU µs/msg is each process's CPU time (all its "
            + "threads) over the messages, the publisher's from its first send to the subscriber's last message. "
            + "Back-pressure, so nothing is dropped: raw "
            + "XPUB with ZMQ_XPUB_NODROP and blocking sends, ZRPC whenFull .wait; high-water marks 1000, the "
            + "forwarders' the whole round (they drop rather than back-pressure). Drops: high-water marks "
            + "\(options.dropHighWaterMark), whenFull .drop, a burst of \(options.dropBurst) 64 B events (\(DropsBenchmark.step(options.dropHighWaterMark)) "
            + "at a time, \(DropsBenchmark.pauseMicroseconds) µs apart) to a subscriber that pauses 1 ms every 10 events, then one at a time "
            + "until the last arrives."
    }

    /// `pubsub: direct/raw=R forwarder/raw=F`, the 64 B ratios.
    var summary: String {
        let result = throughput.first { $0.0.size == 64 }?.1
        let direct = result.flatMap { median($0.ratios[.zrpcDirect] ?? []) }
        let forwarder = result.flatMap { median($0.ratios[.zrpcForwarder] ?? []) }
        return "pubsub: direct/raw=\(direct.map { format($0, 2) } ?? "n/a") "
            + "forwarder/raw=\(forwarder.map { format($0, 2) } ?? "n/a")"
    }
}
