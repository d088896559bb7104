public import CatalogMessages
import Synchronization
public import ZRPC

/// The edge's logic: product views and price changes through the catalog, and a degraded answer
/// (the last known copy) instead of an error when the catalog cannot be asked. It knows the catalog
/// only as the generated client protocol, so tests give it a mock; in the process the client under
/// it carries the cache, the bulkhead, the circuit breaker and the deadline (see `cluster-edge`).
///
/// ```swift
/// let storefront = Storefront(catalog: Cluster_Catalog.Client(wrapping: catalogClient))
/// let view = try await storefront.view(sku: "SKU-1001")
/// print(view.priceCents, view.degraded)
/// ```
public final class Storefront: Sendable {
    /// Catalog failures that make a view degrade instead of failing: the catalog is down or its
    /// circuit is open (UNAVAILABLE), too slow (DEADLINE_EXCEEDED), or the edge's bulkhead for it is
    /// full (RESOURCE_EXHAUSTED).
    public static let degradingCodes: Set<RPCError.Code> = [.unavailable, .deadlineExceeded, .resourceExhausted]

    /// What the storefront has done since it was made.
    public struct Statistics: Hashable, Sendable {
        /// Product views asked of the catalog client (answered by its cache or by the catalog).
        public var catalogReads: UInt64 = 0
        /// Views answered with a last known copy.
        public var degradedAnswers: UInt64 = 0
        /// Price changes made.
        public var priceChanges: UInt64 = 0
    }

    private let catalog: any Cluster_Catalog.ClientProtocol
    private let lastKnown: LastKnownProducts
    private let counters: Mutex<Statistics>

    /// Creates the storefront.
    ///
    /// - Parameters:
    ///   - catalog: The catalog, through its generated client protocol.
    ///   - lastKnown: Where the last copy of each product is kept for degraded answers.
    public init(catalog: any Cluster_Catalog.ClientProtocol, lastKnown: LastKnownProducts = LastKnownProducts()) {
        self.catalog = catalog
        self.lastKnown = lastKnown
        self.counters = Mutex(Statistics())
    }

    /// The counters now.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// One product: the catalog's copy, or the last known one marked degraded when the catalog fails
    /// with one of ``degradingCodes``.
    ///
    /// - Parameter sku: The stock-keeping unit.
    /// - Throws: `RPCError`: the catalog's NOT_FOUND or INVALID_ARGUMENT as they are; UNAVAILABLE when
    ///   the catalog fails and the sku was never seen.
    public func view(sku: String) async throws -> StorefrontProduct {
        counters.withLock { $0.catalogReads += 1 }
        do {
            let product = StorefrontProduct(try await catalog.getProduct(.init(sku: sku)))
            lastKnown.remember(product)
            return product
        } catch let error as RPCError where Self.degradingCodes.contains(error.code) {
            guard var known = lastKnown.product(sku: sku) else {
                throw RPCError(
                    code: .unavailable,
                    message: "the catalog cannot be asked (\(error.code)) and \(sku) was never seen here",
                    cause: error
                )
            }
            known.degraded = true
            counters.withLock { $0.degradedAnswers += 1 }
            return known
        }
    }

    /// Changes a price in the catalog. Never degraded: a write that cannot reach the catalog fails.
    ///
    /// - Parameters:
    ///   - sku: The stock-keeping unit.
    ///   - priceCents: The new price.
    /// - Returns: The product as it now is.
    /// - Throws: `RPCError` from the catalog (NOT_FOUND, INVALID_ARGUMENT, UNAVAILABLE, …).
    public func changePrice(sku: String, priceCents: Int64) async throws -> StorefrontProduct {
        let product = StorefrontProduct(try await catalog.setPrice(.init(sku: sku, priceCents: priceCents)))
        lastKnown.remember(product)
        counters.withLock { $0.priceChanges += 1 }
        return product
    }
}

extension StorefrontProduct {
    /// The catalog's copy, not degraded.
    init(_ product: Cluster_Product) {
        self.init(sku: product.sku, name: product.name, priceCents: product.priceCents, version: product.version)
    }
}
