import CatalogService
import Foundation
import Testing

/// The SQLite repository against a temporary file.
@Suite struct SQLiteProductRepositoryTests {
    @Test func aNewDatabaseIsSeeded() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteProductRepository(path: directory.appendingPathComponent("c.sqlite").path)
            let products = try await repository.allProducts()
            #expect(products == SQLiteProductRepository.seedProducts.sorted { $0.sku < $1.sku })
            #expect(try await repository.product(sku: "SKU-1001")?.name == "Enamel mug")
            #expect(try await repository.product(sku: "SKU-404") == nil)
        }
    }

    @Test func updatesSurviveReopeningAndAreNotSeededOver() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("c.sqlite").path
            do {
                let repository = try await SQLiteProductRepository(path: path)
                let updated = try await repository.update(sku: "SKU-1001") {
                    $0.priceCents = 1_000
                    $0.version += 1
                }
                #expect(updated?.priceCents == 1_000 && updated?.version == 2)
                #expect(try await repository.update(sku: "SKU-404") { $0.version += 1 } == nil)
            }
            let reopened = try await SQLiteProductRepository(path: path)
            let product = try await reopened.product(sku: "SKU-1001")
            #expect(product?.priceCents == 1_000 && product?.version == 2)
            #expect(try await reopened.allProducts().count == SQLiteProductRepository.seedProducts.count)
        }
    }

    @Test func aChangeThatThrowsStoresNothing() async throws {
        struct Refused: Error {}
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteProductRepository(path: directory.appendingPathComponent("c.sqlite").path)
            await #expect(throws: Refused.self) {
                try await repository.update(sku: "SKU-1002") {
                    $0.version += 1
                    throw Refused()
                }
            }
            #expect(try await repository.product(sku: "SKU-1002")?.version == 1)
        }
    }

    @Test func theServiceRunsOnSQLite() async throws {
        try await withTemporaryDirectory { directory in
            let repository = try await SQLiteProductRepository(path: directory.appendingPathComponent("c.sqlite").path)
            let catalog = ProductCatalog(repository: repository)
            let product = try await catalog.setPrice(sku: "SKU-1003", priceCents: 2_500)
            #expect(product.version == 2)
            #expect(try await repository.product(sku: "SKU-1003") == product)
        }
    }
}
