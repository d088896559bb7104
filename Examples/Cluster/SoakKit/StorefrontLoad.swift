public import EdgeMessages
import Foundation
public import Histogram
import Synchronization
import ZRPC

/// Load on the edges, as `cluster-load` and `zrpc-soak` make it: tasks that view products (SKU-1001
/// … SKU-1005), now and then change a price and, when asked, place an order, each task bound to one
/// edge. A view that starts
/// after its edge confirmed a price change must show that version or a newer one unless it is
/// degraded; any other is a stale read. Counts every call by status, with the latency of all of them
/// and of the calls of each second.
///
/// ```swift
/// let load = StorefrontLoad(edges: [Cluster_Edge_Storefront.Client(wrapping: client)])
/// await load.run(task: 0, until: .now.advanced(by: .seconds(10)))
/// print(load.totalsSoFar.calls, load.totalsSoFar.staleReads)
/// ```
public final class StorefrontLoad: Sendable {
    /// The calls of one second.
    public struct Second: Sendable {
        /// Calls completed.
        public var calls = 0
        /// Their latency, in µs.
        public var latencyMicros = StorefrontLoad.histogram()
    }

    /// Every call so far.
    public struct Totals: Sendable {
        /// Calls by status name (`OK`, `UNAVAILABLE`, …).
        public var byStatus: [String: Int] = [:]
        /// Views answered degraded.
        public var degraded = 0
        /// Views older than a version their edge had confirmed.
        public var staleReads = 0
        /// Orders the edges confirmed.
        public var ordersPlaced = 0
        /// The latency of every call, in µs.
        public var latencyMicros = StorefrontLoad.histogram()
        /// No calls yet.
        public init() {}

        /// All calls.
        public var calls: Int { byStatus.values.reduce(0, +) }
        /// Calls that succeeded.
        public var ok: Int { byStatus["OK"] ?? 0 }
    }

    /// An empty histogram of 1 µs to 60 s.
    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: 60_000_000,
            numberOfSignificantValueDigits: .two
        )
    }

    private let edges: [Cluster_Edge_Storefront.Client]
    private let second = Mutex(Second())
    private let totals = Mutex(Totals())
    /// The newest version each edge confirmed per sku.
    private let confirmed = Mutex<[Int: [String: Int64]]>([:])
    private static let skus = (1001...1005).map { "SKU-\($0)" }

    /// Creates the load over `edges`.
    public init(edges: [Cluster_Edge_Storefront.Client]) {
        self.edges = edges
    }

    /// The calls of the second now ending, and a fresh second.
    public func takeSecond() -> Second {
        second.withLock { current in
            defer { current = Second() }
            return current
        }
    }

    /// Every call so far.
    public var totalsSoFar: Totals { totals.withLock { $0 } }

    /// One task's loop until `end` or cancellation: every `changeEvery`th call changes a price, and
    /// every `orderEvery`th places an order (an order's data is made up: `load+…@example.com`, a test
    /// card number).
    ///
    /// - Parameters:
    ///   - task: The task's number (task `i` calls edge `i mod edges`).
    ///   - end: When to stop.
    ///   - changeEvery: One call in how many changes a price.
    ///   - orderEvery: One call in how many places an order; 0 places none.
    public func run(task: Int, until end: ContinuousClock.Instant, changeEvery: Int = 50, orderEvery: Int = 0) async {
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
            var ordered = false
            do {
                if orderEvery > 0, count % orderEvery == 0 {
                    _ = try await edge.placeOrder(
                        .init(
                            customerEmail: "load+\(task)-\(count)@example.com",
                            cardNumber: "4242424242424242",
                            sku: sku,
                            quantity: UInt32.random(in: 1...3, using: &generator)
                        )
                    )
                    ordered = true
                } else if count % changeEvery == 0 {
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
            record(status, since: started, degraded: degraded, stale: stale, ordered: ordered)
            if status != "OK" { try? await Task.sleep(for: .milliseconds(20)) }  // no tight loop of failures
        }
    }

    private func record(
        _ status: String,
        since started: ContinuousClock.Instant,
        degraded: Bool,
        stale: Bool,
        ordered: Bool
    ) {
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
            if ordered { $0.ordersPlaced += 1 }
            _ = $0.latencyMicros.record(micros)
        }
    }
}
