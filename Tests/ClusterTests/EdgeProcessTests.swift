import EdgeMessages
import Foundation
import Testing
import ZRPC
import ZRPCTestKit

/// The edge as the cluster runs it: a `zrpc-forwarder`, `cluster-catalog` and two `cluster-edge`
/// processes. A price changed through the first edge reaches the second edge's cache through pub/sub
/// (its cache lives 60 s, so only an invalidation explains a fresh answer); with the catalog stopped,
/// the first edge (its cache lives 300 ms) answers a product it has seen degraded instead of failing.
@Suite(.serialized) struct EdgeProcessTests {
    /// Every call gets 10 s (the .proto says 1 s for a view): a machine running the whole suite can
    /// hold a process back for seconds, and this test is about answers, not speed.
    static let generous = CallOptions(timeout: .seconds(10))

    @Test func aPriceChangedThroughOneEdgeReachesTheOtherAndTheEdgesDegradeWithoutTheCatalog() async throws {
        try await withTemporaryDirectory { directory in
            var processes: [ChildProcess] = []
            do {
                let forwarder = try await ChildProcess.start(
                    "zrpc-forwarder",
                    arguments: ["--publishers", "tcp://127.0.0.1:*", "--subscribers", "tcp://127.0.0.1:*"]
                )
                processes.append(forwarder)
                let printed = forwarder.printedText
                let match = try #require(printed.firstMatch(of: /publishers (tcp:\/\/\S+) subscribers (tcp:\/\/\S+)/))
                let catalog = try await ChildProcess.start(
                    "cluster-catalog",
                    arguments: [],
                    environment: [
                        "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*",
                        "CATALOG_DATABASE_PATH": directory.appendingPathComponent("catalog.sqlite").path,
                        "ASAN_OPTIONS": "detect_leaks=0",
                    ]
                )
                processes.append(catalog)
                var edges: [String] = []
                for timeToLive in ["300", "60000"] {
                    let edge = try await ChildProcess.start(
                        "cluster-edge",
                        arguments: [],
                        environment: [
                            "EDGE_ENDPOINTS": "tcp://127.0.0.1:*", "EDGE_CATALOG_ENDPOINTS": catalog.endpoint,
                            "EDGE_FORWARDER_PUBLISHERS": String(match.1), "EDGE_FORWARDER_SUBSCRIBERS": String(match.2),
                            "EDGE_CACHE_TTL_MS": timeToLive, "ASAN_OPTIONS": "detect_leaks=0",
                        ]
                    )
                    processes.append(edge)
                    edges.append(edge.endpoint)
                }
                let edgeEndpoints = edges
                try await within(.seconds(30), "calls through the edges") {
                    var first = Client.Configuration(endpoints: [edgeEndpoints[0]], defaultTimeout: .seconds(5))
                    first.logger.logLevel = .critical
                    var second = first
                    second.endpoints = [edgeEndpoints[1]]
                    try await Client.withClient(configuration: first) { firstClient in
                        try await Client.withClient(configuration: second) { secondClient in
                            let one = Cluster_Edge_Storefront.Client(wrapping: firstClient)
                            let two = Cluster_Edge_Storefront.Client(wrapping: secondClient)
                            // Both edges cache version 1.
                            #expect(
                                try await one.viewProduct(.init(sku: "SKU-1001"), options: Self.generous).version == 1
                            )
                            #expect(
                                try await two.viewProduct(.init(sku: "SKU-1001"), options: Self.generous).version == 1
                            )
                            let changed = try await one.changePrice(
                                .init(sku: "SKU-1001", priceCents: 4_242),
                                options: Self.generous
                            )
                            #expect(changed.version == 2)
                            // The other edge learns of it through the forwarder, not by expiry.
                            var seen = try await two.viewProduct(.init(sku: "SKU-1001"), options: Self.generous)
                            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
                            while seen.version < 2, ContinuousClock.now < deadline {
                                try await Task.sleep(for: .milliseconds(20))
                                seen = try await two.viewProduct(.init(sku: "SKU-1001"), options: Self.generous)
                            }
                            #expect(seen.version == 2 && seen.priceCents == 4_242 && !seen.degraded)
                            #expect(try await two.getStats(.init(), options: Self.generous).invalidationsApplied >= 1)

                            // Without the catalog, a product the first edge has seen is served degraded once
                            // its cached copy expires; one it never saw is UNAVAILABLE.
                            #expect(
                                try await one.viewProduct(.init(sku: "SKU-1003"), options: Self.generous).version == 1
                            )
                            await catalog.stop()
                            try await Task.sleep(for: .milliseconds(400))
                            let degraded = try await one.viewProduct(.init(sku: "SKU-1003"), options: Self.generous)
                            #expect(degraded.degraded && degraded.version == 1 && degraded.sku == "SKU-1003")
                            let error = await #expect(throws: RPCError.self) {
                                try await one.viewProduct(.init(sku: "SKU-1004"), options: Self.generous)
                            }
                            #expect(error?.code == .unavailable)
                            #expect(try await one.getStats(.init(), options: Self.generous).degradedAnswers >= 1)
                        }
                    }
                }
            } catch {
                for process in processes { await process.stop() }
                throw error
            }
            for process in processes { await process.stop() }
        }
    }
}
