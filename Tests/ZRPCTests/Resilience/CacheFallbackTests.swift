import ConformanceMessages
import ConformanceServices
import Testing

@testable import ZRPC

/// Cache-aside with single-flight, stale-if-error and fallbacks, against a real server.
@Suite("Cache and fallback")
struct CacheFallbackTests {
    @Test("1,000 concurrent identical reads of a cold key make exactly one call")
    func stampede() async throws {
        let waiting = EventRecorder()
        let cache = try CacheInterceptor(
            methods: [TestRPC.Method.Read.descriptor],
            timeToLive: .seconds(30),
            maxEntries: 1_000,
            staleIfErrorFor: nil,
            staleOn: [.unavailable, .deadlineExceeded],
            now: { .now },
            waitingChanged: { waiting.record("waiting:\($0)") }
        )
        try await withHarness(configureClient: { $0.interceptors = [cache] }) { harness in
            let request = CallRequest(text: "hot", gate: "release")
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<1_000 {
                    group.addTask { try await harness.stub.read(request).text }
                }
                // Hold the one call until every other reader is waiting for it (bounded).
                #expect(await waiting.wait(for: "waiting:999", timeout: .seconds(20)))
                #expect(cache.waiting == 999)
                harness.gates.open("release")
                var replies = 0
                for try await text in group {
                    #expect(text == "hot")
                    replies += 1
                }
                #expect(replies == 1_000)
            }
            #expect(cache.fetches == 1)
            #expect(harness.events.events.filter { $0 == "started:hot" }.count == 1)
        }
    }

    @Test("answers are served from the cache until they expire or are invalidated")
    func hitsExpiryInvalidation() async throws {
        let clock = TestClock()
        let cache = try CacheInterceptor(
            methods: [TestRPC.Method.Read.descriptor],
            timeToLive: .seconds(10),
            now: { clock.now }
        )
        try await withHarness(configureClient: { $0.interceptors = [cache] }) { harness in
            let request = CallRequest(text: "cached")
            func served() -> Int { harness.events.events.filter { $0 == "started:cached" }.count }
            _ = try await harness.stub.read(request)
            _ = try await harness.stub.read(request)
            #expect(served() == 1)
            clock.advance(by: .seconds(10))
            _ = try await harness.stub.read(request)
            #expect(served() == 2)
            try cache.invalidate(TestRPC.Method.Read.descriptor, request: request)
            _ = try await harness.stub.read(request)
            #expect(served() == 3)
            // Other methods pass through untouched.
            _ = try await harness.stub.call(request)
            _ = try await harness.stub.call(request)
            #expect(served() == 5)
        }
    }

    @Test("an expired answer stands in when the service is down (stale-if-error)")
    func staleIfError() async throws {
        let clock = TestClock()
        let cache = try CacheInterceptor(
            methods: [TestRPC.Method.Read.descriptor],
            timeToLive: .seconds(10),
            staleIfErrorFor: .seconds(60),
            now: { clock.now }
        )
        try await withHarness(configureClient: { $0.interceptors = [cache] }) { harness in
            let request = CallRequest(text: "stale")
            #expect(try await harness.stub.read(request).text == "stale")
            harness.gates.open("service-down")
            clock.advance(by: .seconds(30))
            #expect(try await harness.stub.read(request).text == "stale")  // served stale
            clock.advance(by: .seconds(60))
            let error = try await rpcError { try await harness.stub.read(request) }  // too old now
            #expect(error.code == .unavailable)
        }
    }

    @Test("fallbacks answer chosen failures: a substitute, or the last good answer")
    func fallbacks() async throws {
        let fallback = FallbackInterceptor([
            .answer(TestRPC.Method.Call.descriptor, requestType: CallRequest.self) { request, error in
                CallReply(text: "fallback for \(request.text) after \(error.code)")
            },
            .lastGood(TestRPC.Method.Read.descriptor),
        ])
        try await withHarness(configureClient: { $0.interceptors = [fallback] }) { harness in
            #expect(try await harness.stub.read(.init(text: "good")).text == "good")
            harness.gates.open("service-down")
            #expect(try await harness.stub.call(.init(text: "x")).text == "fallback for x after UNAVAILABLE")
            #expect(try await harness.stub.read(.init(text: "other")).text == "good")
            // Statuses not chosen still fail.
            harness.gates.close("service-down")
            let error = try await rpcError {
                try await harness.stub.call(.init(text: "y", failCode: RPCError.Code.notFound.rawValue))
            }
            #expect(error.code == .notFound)
        }
    }
}
