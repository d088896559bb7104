import ConformanceMessages
import ConformanceServices
import Synchronization
import Testing

@testable import ZRPC

/// The change observer a `CacheInvalidator` sets on a cache, over a long life.
@Suite("Cache change observer")
struct CacheObserverTests {
    /// Regression: the observer was a closure in a `Mutex`, and every `withLock { $0 }` stored it
    /// back wrapped in two more reabstraction thunks; after tens of thousands of changes calling it
    /// overflowed the stack (both edges of the soak crashed with SIGSEGV after ~35 s).
    @Test("an observer told of 300,000 changes is called directly every time")
    func manyChanges() throws {
        let cache = try CacheInterceptor(methods: [TestRPC.Method.Read.descriptor], timeToLive: .seconds(30))
        let told = Mutex(0)
        cache.observeChanges { _ in told.withLock { $0 += 1 } }
        let request = CallRequest(text: "key")
        for version in 1...150_000 {
            cache.invalidateAll()
            try cache.invalidate(TestRPC.Method.Read.descriptor, request: request, version: UInt64(version))
        }
        #expect(told.withLock { $0 } == 300_000)
    }
}
