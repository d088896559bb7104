import BenchmarkKit
import EdgeMessages
import Foundation
import SoakKit
import ZRPC
import ZRPCQueue

/// The soak: the cluster under steady load with bursts while the chaos schedule kills and pauses
/// processes (each killed one is started again), sampled every second; then the drain, the checks and
/// the report.
@MainActor
struct SoakRun {
    let options: SoakOptions

    struct Result {
        var load: StorefrontLoad.Totals
        var timeline: SoakTimeline
        var growth: (instance: String, percent: Double)?
        var stopFailures: [String]
        var kills = 0
        var pauses = 0
        /// Processes that exited although nobody killed or stopped them, with their last log lines.
        var crashes: [String] = []
        var orders = SoakOrders.State()
        var accounting = SoakAccounting()
    }

    func run(in folder: URL) async throws -> Result {
        let cluster = SoakCluster(folder: folder)
        try await cluster.start()
        progress("seed \(options.seed); cluster up: \(cluster.members.map(\.name).joined(separator: ", "))")
        let clients = try cluster.edgeEndpoints.map { endpoint in
            var configuration = Client.Configuration(endpoints: [endpoint], defaultTimeout: .seconds(2))
            configuration.logger.logLevel = .critical
            return try Client(configuration: configuration)
        }
        var brokerConfiguration = Client.Configuration(
            endpoints: [cluster.endpoint(of: "broker")],
            defaultTimeout: .seconds(2)
        )
        brokerConfiguration.logger.logLevel = .critical
        let brokerClient = try Client(configuration: brokerConfiguration)
        let running = (clients + [brokerClient]).map { client in Task { try? await client.run() } }
        let edges = clients.map { Cluster_Edge_Storefront.Client(wrapping: $0) }
        let load = StorefrontLoad(edges: edges)
        let orders = SoakOrders(edges: edges)
        let started = ContinuousClock.now
        let end = started.advanced(by: options.duration)
        var timeline = SoakTimeline()
        var schedule = ChaosSchedule(rules: options.rules, seed: options.seed, start: started)
        var result = Result(load: .init(), timeline: timeline, stopFailures: [])

        let steady =
            (0..<options.concurrency).map { task in Task { await load.run(task: task, until: end) } }
            + (0..<2).map { task in Task { await orders.run(task: task, until: end) } }
        var paused: [(member: SoakMember, until: ContinuousClock.Instant)] = []
        var nextBurst = started.advanced(by: .seconds(20))
        var bursts: [Task<Void, Never>] = []
        var second = 0
        while ContinuousClock.now < end {
            second += 1
            try? await Task.sleep(until: started.advanced(by: .seconds(second)), clock: .continuous)
            let now = ContinuousClock.now
            let elapsed = started.duration(to: now)
            for entry in paused where entry.until <= now { entry.member.resume() }
            paused.removeAll { $0.until <= now }
            for member in cluster.members {
                guard let exit = member.exitedByItself() else { continue }
                timeline.mark(at: elapsed, "EXITED \(member.name) (status \(exit.status))")
                progress(
                    "\(member.name) exited by itself with status \(exit.status); its last log lines:\n\(exit.lastLogLines)"
                )
                result.crashes.append(
                    "\(member.name) at \(elapsed.components.seconds) s, status \(exit.status):\n\(exit.lastLogLines)"
                )
                paused.removeAll { $0.member === member }
                try await cluster.restart(member)
            }
            if now >= nextBurst, now < end {  // a burst: twice the tasks for 5 s, every 20–40 s
                let burstEnd = min(end, now.advanced(by: .seconds(5)))
                bursts += (0..<options.concurrency).map { task in
                    Task { await load.run(task: options.concurrency + task, until: burstEnd) }
                }
                nextBurst = now.advanced(by: .seconds(20 + schedule.pick(21)))
                timeline.mark(at: elapsed, "burst")
            }
            for action in schedule.due(at: now) {
                switch action {
                case .kill(let role):
                    let candidates = cluster.candidates(for: role)
                    guard !candidates.isEmpty else { continue }
                    let victim = candidates[schedule.pick(candidates.count)]
                    await victim.kill()
                    timeline.mark(at: elapsed, "SIGKILL \(victim.name)")
                    result.kills += 1
                    try await cluster.restart(victim)
                case .pause(let role, let length):
                    let candidates = cluster.candidates(for: role).filter { member in
                        !paused.contains { $0.member === member }
                    }
                    guard !candidates.isEmpty else { continue }
                    let victim = candidates[schedule.pick(candidates.count)]
                    victim.pause()
                    paused.append((victim, now.advanced(by: length)))
                    timeline.mark(at: elapsed, "SIGSTOP \(victim.name) for \(length)")
                    result.pauses += 1
                }
            }
            let calls = load.takeSecond()
            timeline.append(
                .init(
                    at: elapsed,
                    calls: calls.calls,
                    p50Micros: calls.calls > 0 ? calls.latencyMicros.valueAtPercentile(50) : 0,
                    p99Micros: calls.calls > 0 ? calls.latencyMicros.valueAtPercentile(99) : 0,
                    resident: cluster.resident
                )
            )
            if second % 10 == 0 {
                let totals = load.totalsSoFar
                let placed = orders.snapshot
                progress(
                    "\(second) s: \(totals.calls) calls, \(totals.calls - (totals.byStatus["OK"] ?? 0)) failed, "
                        + "\(totals.degraded) degraded, \(placed.confirmed.count) orders placed "
                        + "(\(placed.unconfirmed.count) to confirm), \(result.kills) kills, \(result.pauses) pauses"
                )
            }
        }
        for entry in paused { entry.member.resume() }
        for task in steady + bursts { await task.value }
        // The drain: every order the soak sent is confirmed (same key), then the queues empty out.
        progress("chaos over; confirming \(orders.snapshot.unconfirmed.count) orders and draining the queues")
        await orders.confirmTheRest(before: .now.advanced(by: .seconds(60)))
        let deadLettered = await drain(Zrpc_Queue_Admin.Client(wrapping: brokerClient), within: .seconds(120))
        for task in running { task.cancel() }
        result.stopFailures = await cluster.stop()
        result.orders = orders.snapshot
        result.accounting = try await SoakAccounting.count(
            confirmedOrders: Set(result.orders.confirmed.values),
            ledgers: ["payment", "notification"].map { cluster.ledgerPath($0) },
            deadLettered: deadLettered
        )
        result.load = load.totalsSoFar
        result.timeline = timeline
        result.growth = timeline.largestResidentGrowth(afterWarmUp: options.warmUp)
        return result
    }

    /// Waits until no task has been ready or leased in any queue for 3 s in a row (the orders
    /// service's outbox relay queues what a broker outage held back every second); the tasks
    /// dead-lettered in all.
    private func drain(_ admin: Zrpc_Queue_Admin.Client, within timeout: Duration) async -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var deadLettered = 0
        var idleSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            if let queues = try? await admin.stats(.init()).queues {
                deadLettered = queues.reduce(0) { $0 + Int($1.deadLettered) }
                if queues.allSatisfy({ $0.ready == 0 && $0.leased == 0 }) {
                    let since = idleSince ?? .now
                    idleSince = since
                    if since.duration(to: .now) >= .seconds(3) { return deadLettered }
                } else {
                    idleSince = nil
                }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        progress("the queues did not drain within \(timeout)")
        return deadLettered
    }
}
