import CatalogMessages
import Foundation
import Testing
import ZRPC
import ZRPCTestKit

/// `cluster-catalog` as the cluster runs it: a process of its own on tcp://127.0.0.1:*, its products
/// in a temporary SQLite file, stopped with SIGTERM.
@Suite struct CatalogProcessTests {
    @Test func servesTheSeededCatalogAndStopsGracefully() async throws {
        try await withTemporaryDirectory { directory in
            let database = directory.appendingPathComponent("catalog.sqlite").path
            let catalogProcess = try await ChildProcess.start(
                "cluster-catalog",
                arguments: [],
                // Under ASan the child checks for leaks at exit and exits 1 when it finds some; this test
                // is about a graceful stop (its status 0), and the leak check covers this process.
                environment: [
                    "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*", "CATALOG_DATABASE_PATH": database,
                    "ASAN_OPTIONS": "detect_leaks=0",
                ]
            )
            do {
                let endpoint = catalogProcess.endpoint
                try await within(.seconds(10), "calls to cluster-catalog") {
                    var configuration = Client.Configuration(endpoints: [endpoint])
                    configuration.defaultTimeout = .seconds(5)
                    try await Client.withClient(configuration: configuration) { client in
                        let health = HealthClient(wrapping: client)
                        #expect(try await health.check() == .serving)
                        #expect(try await health.check(service: Cluster_Catalog.descriptor.fullName) == .serving)
                        let catalog = Cluster_Catalog.Client(wrapping: client)
                        let products = try await catalog.listProducts(.init()).products
                        #expect(products.count == 5 && products.first?.sku == "SKU-1001")
                        let repriced = try await catalog.setPrice(.init(sku: "SKU-1001", priceCents: 1_100))
                        #expect(repriced.version == 2)
                        #expect(try await catalog.getProduct(.init(sku: "SKU-1001")) == repriced)
                        let error = await #expect(throws: RPCError.self) {
                            try await catalog.getProduct(.init(sku: "SKU-404"))
                        }
                        #expect(error?.code == .notFound)
                    }
                }
            } catch {
                await catalogProcess.stop()
                throw error
            }
            let name = "cluster-catalog pid \(catalogProcess.process.processIdentifier)"
            await catalogProcess.stop()  // SIGTERM: a graceful shutdown, which prints its last line
            #expect(await catalogProcess.printed("\(name) stopped", within: .seconds(5)))
            #expect(catalogProcess.process.terminationStatus == 0)
            #expect(FileManager.default.fileExists(atPath: database))
        }
    }
}
