import CatalogService
import Testing

/// The catalog's business logic on the in-memory repository: no files, no sockets.
@Suite struct ProductCatalogTests {
    let catalog = ProductCatalog(repository: InMemoryProductRepository(products: sampleProducts))

    @Test func getsAProductBySku() async throws {
        let product = try await catalog.product(sku: "SKU-1")
        #expect(product == CatalogProduct(sku: "SKU-1", name: "Mug", priceCents: 1_250, version: 1))
    }

    @Test func listsEveryProductOrderedBySku() async throws {
        let products = try await catalog.allProducts()
        #expect(products.map(\.sku) == ["SKU-1", "SKU-2"])
    }

    @Test func settingAPriceBumpsTheVersion() async throws {
        let first = try await catalog.setPrice(sku: "SKU-1", priceCents: 990)
        #expect(first.priceCents == 990 && first.version == 2)
        let second = try await catalog.setPrice(sku: "SKU-1", priceCents: 990)
        #expect(second.version == 3)
        #expect(try await catalog.product(sku: "SKU-1") == second)
    }

    @Test func aFreePriceIsAllowed() async throws {
        #expect(try await catalog.setPrice(sku: "SKU-2", priceCents: 0).priceCents == 0)
    }

    @Test func anUnknownSkuIsNotFound() async throws {
        let get = await #expect(throws: CatalogError.self) { try await catalog.product(sku: "SKU-404") }
        #expect(get?.code == .productNotFound)
        let set = await #expect(throws: CatalogError.self) { try await catalog.setPrice(sku: "SKU-404", priceCents: 1) }
        #expect(set?.code == .productNotFound)
    }

    @Test func aNegativePriceIsRefusedAndChangesNothing() async throws {
        let error = await #expect(throws: CatalogError.self) {
            try await catalog.setPrice(sku: "SKU-1", priceCents: -1)
        }
        #expect(error?.code == .invalidArgument)
        #expect(try await catalog.product(sku: "SKU-1").version == 1)
    }

    @Test func concurrentPriceChangesEachGetAVersion() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for price in 1...50 {
                group.addTask { _ = try await catalog.setPrice(sku: "SKU-2", priceCents: Int64(price)) }
            }
            try await group.waitForAll()
        }
        #expect(try await catalog.product(sku: "SKU-2").version == 51)
    }
}
