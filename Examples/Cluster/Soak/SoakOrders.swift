import EdgeMessages
import Foundation
import Synchronization
import ZRPC

/// The soak's orders: tasks that place orders through the edges (which pass them to the orders
/// service), each with an idempotency key of its own. A call that fails is tried again later with the same key (so an order
/// that was stored but not answered is not placed twice); at the end every key still unconfirmed is
/// tried until it is, and the confirmed order ids are what the accounting checks the ledgers against.
final class SoakOrders: Sendable {
    struct State {
        /// Idempotency key → order id, once confirmed.
        var confirmed: [String: String] = [:]
        /// Keys sent whose answer did not come (to try again).
        var unconfirmed: Set<String> = []
        /// Keys whose call is under way (not picked again meanwhile).
        var inFlight: Set<String> = []
        var attempts = 0
        var failures = 0
    }

    private let edges: [Cluster_Edge_Storefront.Client]
    private let state = Mutex(State())
    private let run = UUID().uuidString.prefix(8)

    init(edges: [Cluster_Edge_Storefront.Client]) {
        self.edges = edges
    }

    var snapshot: State { state.withLock { $0 } }

    /// One task's loop until `end`: an order every `interval`, alternating new keys and retries.
    func run(task: Int, until end: ContinuousClock.Instant, interval: Duration = .milliseconds(50)) async {
        var count = 0
        while ContinuousClock.now < end, !Task.isCancelled {
            count += 1
            // A key whose call failed, not one another task is placing right now.
            let retry = state.withLock { state in state.unconfirmed.first { !state.inFlight.contains($0) } }
            let key = retry ?? "soak-\(run)-\(task)-\(count)"
            await place(key: key, through: task)
            try? await Task.sleep(for: interval)
        }
    }

    /// Places (or places again) the order of `key` through edge `edge mod edges`; whether it is now
    /// confirmed.
    @discardableResult
    func place(key: String, through edge: Int) async -> Bool {
        let taken = state.withLock { state in
            guard !state.inFlight.contains(key) else { return false }
            state.attempts += 1
            state.unconfirmed.insert(key)
            state.inFlight.insert(key)
            return true
        }
        guard taken else { return false }
        defer { state.withLock { _ = $0.inFlight.remove(key) } }
        let request = Cluster_Edge_PlaceOrderRequest(
            customerEmail: "soak+\(key)@example.com",
            cardNumber: "4242424242424242",
            sku: "SKU-100\(1 + abs(key.hashValue) % 5)",
            quantity: 1
        )
        do {
            let order = try await edges[edge % edges.count].placeOrder(request, options: .init(idempotencyKey: key))
            state.withLock {
                $0.unconfirmed.remove(key)
                $0.confirmed[key] = order.id
            }
            return true
        } catch {
            state.withLock { $0.failures += 1 }
            return false
        }
    }

    /// Tries every unconfirmed key until each is confirmed or `deadline` passes.
    func confirmTheRest(before deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline {
            let keys = state.withLock { $0.unconfirmed }
            if keys.isEmpty { return }
            for (index, key) in keys.enumerated() where ContinuousClock.now < deadline {
                await place(key: key, through: index)
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
