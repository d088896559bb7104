import CatalogMessages
import CatalogService
import Logging
import Testing
import ZRPC

/// The handler through the generated client and `InProcessServer`: real calls, no sockets.
@Suite struct CatalogHandlerTests {
    private func withCatalog(_ body: (Cluster_Catalog.Client) async throws -> Void) async throws {
        let handler = CatalogHandler(
            catalog: ProductCatalog(repository: InMemoryProductRepository(products: sampleProducts))
        )
        try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
            try await body(Cluster_Catalog.Client(wrapping: client))
        }
    }

    @Test func getsListsAndSetsPrices() async throws {
        try await withCatalog { catalog in
            let mug = try await catalog.getProduct(.init(sku: "SKU-1"))
            #expect(mug == Cluster_Product(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 1))
            let list = try await catalog.listProducts(.init())
            #expect(list.products.map(\.sku) == ["SKU-1", "SKU-2"])
            let repriced = try await catalog.setPrice(.init(sku: "SKU-1", priceCents: 990))
            #expect(repriced.priceCents == 990 && repriced.version == 2)
            #expect(try await catalog.getProduct(.init(sku: "SKU-1")) == repriced)
        }
    }

    @Test func anUnknownSkuIsNotFound() async throws {
        try await withCatalog { catalog in
            let get = await #expect(throws: RPCError.self) { try await catalog.getProduct(.init(sku: "SKU-404")) }
            #expect(get?.code == .notFound)
            let set = await #expect(throws: RPCError.self) {
                try await catalog.setPrice(.init(sku: "SKU-404", priceCents: 1))
            }
            #expect(set?.code == .notFound)
        }
    }

    @Test func aNegativePriceIsInvalidArgument() async throws {
        try await withCatalog { catalog in
            let error = await #expect(throws: RPCError.self) {
                try await catalog.setPrice(.init(sku: "SKU-1", priceCents: -5))
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func logsCarryNoRequestPayloads() async throws {
        let store = RecordingLogHandler.Store()
        let handler = CatalogHandler(
            catalog: ProductCatalog(repository: InMemoryProductRepository(products: sampleProducts))
        )
        let server = InProcessServer(
            configuration: .init(endpoints: [], logger: .recording(into: store, label: "server")),
            services: [handler]
        )
        var configuration = Client.Configuration(endpoints: [])
        configuration.logger = .recording(into: store, label: "client")
        try await Client.withClient(calling: server, configuration: configuration) { client in
            let catalog = Cluster_Catalog.Client(wrapping: client)
            _ = try await catalog.setPrice(.init(sku: "SKU-1", priceCents: 987_654))
            _ = try? await catalog.setPrice(.init(sku: "SKU-1", priceCents: -123_456))
            _ = try? await catalog.getProduct(.init(sku: "SKU-PRIVATE-4711"))
        }
        for secret in ["987654", "123456", "PRIVATE-4711"] {
            #expect(!store.all.contains { $0.contains(secret) }, "\(secret) logged")
        }
    }

    @Test func getProductDeclaresItsDefaultDeadlineAndIsSafeToRetry() {
        let descriptor = Cluster_Catalog.Method.GetProduct.descriptor
        #expect(descriptor.defaults.timeout == .milliseconds(500))
        #expect(descriptor.idempotency == .noSideEffects)
    }
}
