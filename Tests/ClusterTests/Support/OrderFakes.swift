import OrdersService
import Synchronization

/// Prices from a table; a sku not in it is not found. `available = false` makes it fail as a catalog that
/// is down would.
final class FakePrices: PriceLookup {
    private let prices: [String: Int64]
    private let state = Mutex((available: true, calls: 0))

    init(_ prices: [String: Int64] = ["SKU-1": 1_250, "SKU-2": 4_900]) {
        self.prices = prices
    }

    var available: Bool {
        get { state.withLock { $0.available } }
        set { state.withLock { $0.available = newValue } }
    }

    var calls: Int { state.withLock { $0.calls } }

    func unitPriceCents(sku: String) async throws -> Int64 {
        let available = state.withLock { state in
            state.calls += 1
            return state.available
        }
        guard available else { throw OrderError(.catalogUnavailable, "the catalog is down") }
        guard let price = prices[sku] else { throw OrderError(.productNotFound, "no product \(sku)") }
        return price
    }
}

/// A broker in memory: keeps one task per idempotency key, as `zrpc-broker` does, and counts every call.
/// `mode` makes it refuse (a broker that is down) or store and then fail (a crash after the enqueue).
final class FakeTaskQueue: TaskEnqueuing {
    enum Mode { case working, down, failsAfterStoring }

    struct Down: Error {}

    private struct State {
        var mode = Mode.working
        var tasks: [String: OrderTask] = [:]
        var calls = 0
    }

    private let state = Mutex(State())

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// The tasks kept, one per key.
    var tasks: [String: OrderTask] { state.withLock { $0.tasks } }
    /// Every enqueue call, duplicates included.
    var calls: Int { state.withLock { $0.calls } }

    func enqueue(_ task: OrderTask) async throws {
        try state.withLock { state in
            state.calls += 1
            switch state.mode {
            case .down: throw Down()
            case .working: state.tasks[task.idempotencyKey] = state.tasks[task.idempotencyKey] ?? task
            case .failsAfterStoring:
                state.tasks[task.idempotencyKey] = state.tasks[task.idempotencyKey] ?? task
                throw Down()
            }
        }
    }
}

/// A valid request (the card number passes the Luhn check).
func orderRequest(
    email: String = "ada.lovelace@example.com",
    card: String = "4242 4242 4242 4242",
    sku: String = "SKU-1",
    quantity: Int = 2
) -> OrderRequest {
    OrderRequest(customerEmail: email, cardNumber: card, sku: sku, quantity: quantity)
}
