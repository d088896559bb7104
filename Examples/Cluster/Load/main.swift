// cluster-load: the example cluster's load client (Examples/Cluster/README.md). Calls the edge from
// several tasks for a while, prints a progress line every second and a summary at the end.
//
//   cluster-load EDGE_ENDPOINT[,EDGE_ENDPOINT…] [--seconds 10] [--concurrency 8] [--change-price-every 50]
//                [--order-every 0] [--broker BROKER_ENDPOINT]
//
// Each task calls one edge (task i the (i mod n)th) and views random products (SKU-1001 … SKU-1005),
// every Nth call changes a price and, with --order-every M, every Mth call places an order. With
// --broker it waits at the end (30 s at most) for the broker's queues to drain and reports the tasks
// acked and dead-lettered. A view that starts after a price change was confirmed by the
// same edge must show that version or a newer one, unless it is degraded: those that do not are
// counted as stale reads. (Across edges a change arrives through pub/sub a fraction of a millisecond
// later, so it is not counted there.) Its last line is
//   cluster: calls=N ok=N errors=N p50_ms=P p99_ms=P degraded=N stale_reads=N cache_hits=N
// (with --broker, followed by ` orders=N tasks_acked=N dead_lettered=N`), and it exits 1 when no call
// succeeded, a read was stale, or (with --broker) a task the broker accepted was neither acked nor
// dead-lettered once the queues drained.
import EdgeMessages
import Foundation
import SoakKit
import ZRPC
import ZRPCProcessKit
import ZRPCQueue

ExitWithParent.startIfRequested()

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
@MainActor func option(_ name: String, default value: Int) -> Int { option(name).flatMap { Int($0) } ?? value }
let seconds = option("--seconds", default: 10)
let orderEvery = max(0, option("--order-every", default: 0))
let brokerEndpoint = option("--broker")
let concurrency = max(1, option("--concurrency", default: 8))
let changeEvery = max(1, option("--change-price-every", default: 50))
let edgeEndpoints = (arguments.first ?? "").split(separator: ",").map(String.init)
guard !edgeEndpoints.isEmpty else {
    FileHandle.standardError.write(
        Data(
            ("usage: cluster-load EDGE_ENDPOINT[,…] [--seconds S] [--concurrency C] [--change-price-every N] "
                + "[--order-every M] [--broker ENDPOINT]\n").utf8
        )
    )
    exit(2)
}
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func milliseconds(_ micros: UInt64) -> String { String(format: "%.2f", Double(micros) / 1_000) }

let started = ContinuousClock.now
let end = started.advanced(by: .seconds(seconds))
let clients = try edgeEndpoints.map { endpoint in
    var configuration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(2))
    configuration.logger.logLevel = .error
    return try Client(configuration: configuration)
}
let brokerClient = try brokerEndpoint.map { endpoint in
    var configuration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(2))
    configuration.logger.logLevel = .error
    return try Client(configuration: configuration)
}

/// The broker's queues once nothing has been ready or leased for 2 s in a row (30 s at most), or nil
/// when they did not drain.
func drainedQueues(_ admin: Zrpc_Queue_Admin.Client) async -> [Zrpc_Queue_QueueStats]? {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    var idleSince: ContinuousClock.Instant?
    while ContinuousClock.now < deadline {
        if let queues = try? await admin.stats(.init()).queues {
            if queues.allSatisfy({ $0.ready == 0 && $0.leased == 0 }) {
                let since = idleSince ?? .now
                idleSince = since
                if since.duration(to: .now) >= .seconds(2) { return queues }
            } else {
                idleSince = nil
            }
        }
        try? await Task.sleep(for: .milliseconds(250))
    }
    return nil
}

await withTaskGroup(of: Void.self) { running in
    for client in clients + (brokerClient.map { [$0] } ?? []) { running.addTask { try? await client.run() } }
    let edges = clients.map { Cluster_Edge_Storefront.Client(wrapping: $0) }
    let load = StorefrontLoad(edges: edges)
    let progress = Task {
        while !Task.isCancelled, ContinuousClock.now < end {
            try? await Task.sleep(for: .seconds(1))
            let now = load.totalsSoFar
            let elapsed = Double(started.duration(to: .now).components.seconds)
            say(
                "load: \(Int(elapsed)) s, \(now.calls) calls (\(Int(Double(now.calls) / max(elapsed, 1)))/s), "
                    + "\(now.calls - now.ok) errors, \(now.degraded) degraded, \(now.ordersPlaced) orders"
            )
        }
    }
    await withTaskGroup(of: Void.self) { group in
        for task in 0..<concurrency {
            group.addTask { await load.run(task: task, until: end, changeEvery: changeEvery, orderEvery: orderEvery) }
        }
    }
    progress.cancel()
    let final = load.totalsSoFar
    var stats: Cluster_Edge_EdgeStats?
    for edge in edges {
        guard let one = try? await edge.getStats(.init()) else { continue }
        var sum = stats ?? Cluster_Edge_EdgeStats()
        sum.cacheHits += one.cacheHits
        sum.cacheFetches += one.cacheFetches
        sum.degradedAnswers += one.degradedAnswers
        sum.invalidationsApplied += one.invalidationsApplied
        sum.cacheFlushes += one.cacheFlushes
        sum.catalogCircuit += (sum.catalogCircuit.isEmpty ? "" : ",") + one.catalogCircuit
        sum.ordersPlaced += one.ordersPlaced
        sum.ordersFailed += one.ordersFailed
        sum.ordersCircuit += (sum.ordersCircuit.isEmpty ? "" : ",") + one.ordersCircuit
        stats = sum
    }
    say(
        "load: \(final.calls) calls in \(seconds) s by \(concurrency) tasks on \(edges.count) edges, "
            + "a price change every \(changeEvery) calls"
            + (orderEvery > 0 ? ", an order every \(orderEvery)" : "")
    )
    for (status, count) in final.byStatus.sorted(by: { $0.value > $1.value }) {
        say("load:   \(status): \(count)")
    }
    say(
        "load: latency p50 \(milliseconds(final.latencyMicros.valueAtPercentile(50))) ms, "
            + "p99 \(milliseconds(final.latencyMicros.valueAtPercentile(99))) ms, "
            + "max \(milliseconds(final.latencyMicros.max)) ms"
    )
    if let stats {
        say(
            "edges: cache hits \(stats.cacheHits), catalog fetches \(stats.cacheFetches), degraded answers \(stats.degradedAnswers), "
                + "invalidations applied \(stats.invalidationsApplied), cache flushes \(stats.cacheFlushes), catalog circuit \(stats.catalogCircuit)"
        )
        say(
            "edges: orders placed \(stats.ordersPlaced), orders failed \(stats.ordersFailed), orders circuit \(stats.ordersCircuit)"
        )
    }
    var tasksLine = ""
    var tasksAccountedFor = true
    if let brokerClient {
        say("load: waiting for the broker's queues to drain")
        if let queues = await drainedQueues(Zrpc_Queue_Admin.Client(wrapping: brokerClient)) {
            let enqueued = queues.reduce(0) { $0 + $1.enqueued }
            let acked = queues.reduce(0) { $0 + $1.acked }
            let deadLettered = queues.reduce(0) { $0 + $1.deadLettered }
            for queue in queues {
                say(
                    "tasks: \(queue.queue): enqueued \(queue.enqueued), acked \(queue.acked), "
                        + "dead-lettered \(queue.deadLettered)"
                )
            }
            tasksAccountedFor = acked + deadLettered == enqueued
            tasksLine = " orders=\(final.ordersPlaced) tasks_acked=\(acked) dead_lettered=\(deadLettered)"
        } else {
            say("tasks: the broker's queues did not drain within 30 s")
            tasksAccountedFor = false
            tasksLine = " orders=\(final.ordersPlaced) tasks_acked=? dead_lettered=?"
        }
    }
    say(
        "cluster: calls=\(final.calls) ok=\(final.ok) errors=\(final.calls - final.ok) "
            + "p50_ms=\(milliseconds(final.latencyMicros.valueAtPercentile(50))) "
            + "p99_ms=\(milliseconds(final.latencyMicros.valueAtPercentile(99))) degraded=\(final.degraded) "
            + "stale_reads=\(final.staleReads) cache_hits=\(stats?.cacheHits ?? 0)" + tasksLine
    )
    exit(final.ok > 0 && final.staleReads == 0 && tasksAccountedFor ? 0 : 1)
}
