import Synchronization

/// The last copy of each product the edge saw from the catalog, kept to answer (marked degraded)
/// while the catalog cannot be asked. Bounded: past ``capacity`` products, a new sku replaces none
/// (the ones already known are the ones most worth keeping; the catalog's five seeds fit many times).
///
/// ```swift
/// let memory = LastKnownProducts()
/// memory.remember(StorefrontProduct(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 1))
/// memory.product(sku: "SKU-1")?.priceCents   // 1250
/// ```
public final class LastKnownProducts: Sendable {
    /// The most products remembered.
    public let capacity: Int
    private let products = Mutex<[String: StorefrontProduct]>([:])

    /// Creates an empty memory.
    ///
    /// - Parameter capacity: The most products remembered (default 100,000).
    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Remembers `product`, unless a newer version of it is already known.
    ///
    /// - Parameter product: A copy the catalog just answered.
    public func remember(_ product: StorefrontProduct) {
        products.withLock { products in
            if let known = products[product.sku] {
                guard product.version >= known.version else { return }
            } else if products.count >= capacity {
                return
            }
            products[product.sku] = product
        }
    }

    /// The last copy seen of `sku`, if any.
    ///
    /// - Parameter sku: The stock-keeping unit.
    /// - Returns: The copy, not marked degraded (the caller marks it when it serves it as such).
    public func product(sku: String) -> StorefrontProduct? {
        products.withLock { $0[sku] }
    }
}
