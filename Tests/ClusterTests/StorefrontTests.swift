import CatalogMessages
import EdgeMessages
import EdgeService
import Synchronization
import Testing
import ZRPC

/// A catalog that answers from a dictionary, or fails every call with `failure` when it is set.
final class MockCatalog: Cluster_Catalog.ClientProtocol {
    struct State {
        var products: [String: Cluster_Product] = [:]
        var failure: RPCError?
        var reads = 0
    }

    let state: Mutex<State>

    init(_ products: [Cluster_Product]) {
        state = Mutex(State(products: Dictionary(uniqueKeysWithValues: products.map { ($0.sku, $0) })))
    }

    func fail(with error: RPCError?) { state.withLock { $0.failure = error } }

    func getProduct(_ request: Cluster_GetProductRequest, options: CallOptions) async throws -> Cluster_Product {
        try state.withLock { state in
            state.reads += 1
            if let failure = state.failure { throw failure }
            guard let product = state.products[request.sku] else {
                throw RPCError(code: .notFound, message: "no product \(request.sku)")
            }
            return product
        }
    }

    func listProducts(
        _ request: Cluster_ListProductsRequest,
        options: CallOptions
    ) async throws -> Cluster_ListProductsReply {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            return Cluster_ListProductsReply(products: state.products.values.sorted { $0.sku < $1.sku })
        }
    }

    func setPrice(_ request: Cluster_SetPriceRequest, options: CallOptions) async throws -> Cluster_Product {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            guard var product = state.products[request.sku] else {
                throw RPCError(code: .notFound, message: "no product \(request.sku)")
            }
            product.priceCents = request.priceCents
            product.version += 1
            state.products[request.sku] = product
            return product
        }
    }
}

/// The edge's logic with a mock catalog and no sockets: degraded answers when the catalog fails.
@Suite struct StorefrontTests {
    let mug = Cluster_Product(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 1)

    @Test func aViewIsTheCatalogsCopyAndNotDegraded() async throws {
        let storefront = Storefront(catalog: MockCatalog([mug]))
        let view = try await storefront.view(sku: "SKU-1")
        #expect(view == StorefrontProduct(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 1))
        #expect(storefront.statistics.catalogReads == 1)
    }

    @Test(
        "when the catalog fails with a degrading code, the last known copy is served, marked degraded",
        arguments: [RPCError.Code.unavailable, .deadlineExceeded, .resourceExhausted]
    )
    func degradesToTheLastKnownCopy(code: RPCError.Code) async throws {
        let catalog = MockCatalog([mug])
        let storefront = Storefront(catalog: catalog)
        _ = try await storefront.changePrice(sku: "SKU-1", priceCents: 990)
        catalog.fail(with: RPCError(code: code, message: "down"))
        let view = try await storefront.view(sku: "SKU-1")
        #expect(view.degraded)
        #expect(view.priceCents == 990 && view.version == 2)
        #expect(storefront.statistics.degradedAnswers == 1)
    }

    @Test func aSkuNeverSeenIsUnavailableWhileTheCatalogIsDown() async throws {
        let catalog = MockCatalog([mug])
        let storefront = Storefront(catalog: catalog)
        catalog.fail(with: RPCError(code: .unavailable, message: "down"))
        let error = await #expect(throws: RPCError.self) { try await storefront.view(sku: "SKU-1") }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("never seen") == true)
    }

    @Test func otherFailuresPassThroughUndegraded() async throws {
        let catalog = MockCatalog([mug])
        let storefront = Storefront(catalog: catalog)
        _ = try await storefront.view(sku: "SKU-1")
        let notFound = await #expect(throws: RPCError.self) { try await storefront.view(sku: "SKU-404") }
        #expect(notFound?.code == .notFound)
        catalog.fail(with: RPCError(code: .permissionDenied, message: "no"))
        let denied = await #expect(throws: RPCError.self) { try await storefront.view(sku: "SKU-1") }
        #expect(denied?.code == .permissionDenied)
        #expect(storefront.statistics.degradedAnswers == 0)
    }

    @Test func anOlderCopyNeverReplacesANewerOneInMemory() {
        let memory = LastKnownProducts()
        memory.remember(StorefrontProduct(sku: "SKU-1", name: "Mug", priceCents: 990, version: 3))
        memory.remember(StorefrontProduct(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 2))
        #expect(memory.product(sku: "SKU-1")?.version == 3)
    }

    @Test func theHandlerServesTheEdgeMessagesInProcess() async throws {
        let storefront = Storefront(catalog: MockCatalog([mug]))
        let handler = StorefrontHandler(storefront: storefront, checkout: Checkout(orders: MockOrders())) {
            Cluster_Edge_EdgeStats(cacheHits: 7)
        }
        try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
            let edge = Cluster_Edge_Storefront.Client(wrapping: client)
            let changed = try await edge.changePrice(.init(sku: "SKU-1", priceCents: 1_000))
            #expect(changed.version == 2 && !changed.degraded)
            #expect(try await edge.viewProduct(.init(sku: "SKU-1")).priceCents == 1_000)
            #expect(try await edge.getStats(.init()).cacheHits == 7)
        }
    }
}
