import EdgeMessages
import Foundation
import Histogram
import Synchronization
import ZRPC

/// The soak's steady load with bursts: tasks that view products and now and then change a price
/// through the edges, each task bound to one edge. Counts every call by status, and the latency of
/// the calls of each second for the timeline.
final class SoakLoad: Sendable {
    struct Second: Sendable {
        var calls = 0
        var latencyMicros = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: 60_000_000,
            numberOfSignificantValueDigits: .two
        )
    }

    struct Totals: Sendable {
        var byStatus: [String: Int] = [:]
        var degraded = 0
        var staleReads = 0
        var calls: Int { byStatus.values.reduce(0, +) }
    }

    private let edges: [Cluster_Edge_Storefront.Client]
    private let second = Mutex(Second())
    private let totals = Mutex(Totals())
    /// The newest version each edge confirmed per sku.
    private let confirmed = Mutex<[Int: [String: Int64]]>([:])
    private static let skus = (1001...1005).map { "SKU-\($0)" }

    init(edges: [Cluster_Edge_Storefront.Client]) {
        self.edges = edges
    }

    /// The calls of the second now ending, and a fresh second.
    func takeSecond() -> Second {
        second.withLock { current in
            defer { current = Second() }
            return current
        }
    }

    /// Every call so far, by status.
    var totalsSoFar: Totals { totals.withLock { $0 } }

    /// One task's loop until `end` or cancellation: every `changeEvery`th call changes a price.
    func run(task: Int, until end: ContinuousClock.Instant, changeEvery: Int = 50) async {
        let edgeIndex = task % edges.count
        let edge = edges[edgeIndex]
        var generator = SystemRandomNumberGenerator()
        var count = task
        while ContinuousClock.now < end, !Task.isCancelled {
            count += 1
            let sku = Self.skus.randomElement(using: &generator) ?? "SKU-1001"
            let started = ContinuousClock.now
            var status = "OK"
            var degraded = false
            var stale = false
            do {
                if count % changeEvery == 0 {
                    let price = Int64.random(in: 100...9_999, using: &generator)
                    let product = try await edge.changePrice(.init(sku: sku, priceCents: price))
                    confirmed.withLock {
                        $0[edgeIndex, default: [:]][sku] = max($0[edgeIndex]?[sku] ?? 0, product.version)
                    }
                } else {
                    let floor = confirmed.withLock { $0[edgeIndex]?[sku] ?? 0 }
                    let view = try await edge.viewProduct(.init(sku: sku))
                    degraded = view.degraded
                    stale = !view.degraded && view.version < floor
                }
            } catch let error as RPCError {
                status = "\(error.code)"
            } catch {
                status = "UNKNOWN"
            }
            record(status, since: started, degraded: degraded, stale: stale)
            if status != "OK" { try? await Task.sleep(for: .milliseconds(20)) }  // no tight loop of failures
        }
    }

    private func record(_ status: String, since started: ContinuousClock.Instant, degraded: Bool, stale: Bool) {
        let elapsed = started.duration(to: .now)
        let micros = UInt64(
            max(1, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
        )
        second.withLock {
            $0.calls += 1
            _ = $0.latencyMicros.record(micros)
        }
        totals.withLock {
            $0.byStatus[status, default: 0] += 1
            if degraded { $0.degraded += 1 }
            if stale { $0.staleReads += 1 }
        }
    }
}
