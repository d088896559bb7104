import ConformanceMessages
import ConformanceServices
import Testing

@testable import ZRPC

/// Write-through: a successful write through the same client changes the cached answers its rule
/// names; a failed write changes nothing; a rule that cannot work out its changes flushes.
@Suite("Cache write-through")
struct CacheWriteThroughTests {
    /// `Call` is the write: it sets what `Read` of "key" answers to "written:<its text>".
    static let rule = WriteThrough(TestRPC.Method.Call.descriptor) { (request: CallRequest, reply: CallReply) in
        guard request.text != "unknowable" else { throw RPCError(code: .internal, message: "no idea what changed") }
        return [
            try .update(
                TestRPC.Method.Read.descriptor,
                request: CallRequest(text: "key"),
                response: CallReply(text: "written:\(reply.text)"),
                version: UInt64(request.delayMillis)  // the test's stand-in for a row version
            )
        ]
    }

    @Test("a write updates the cached answer; a failed write does not; a failing rule flushes")
    func writeThrough() async throws {
        let cache = try CacheInterceptor(methods: [TestRPC.Method.Read.descriptor], writeThrough: [Self.rule])
        let changes = EventRecorder()
        cache.observeChanges { changes.record($0.map { "\($0.method) v\($0.version ?? 0)" } ?? "flush") }
        try await withHarness(configureClient: { $0.interceptors = [cache] }) { harness in
            func reads() -> Int { harness.events.events.filter { $0 == "started:key" }.count }
            #expect(try await harness.stub.read(CallRequest(text: "key")).text == "key")
            #expect(reads() == 1)
            _ = try await harness.stub.call(CallRequest(text: "new", delayMillis: 2))
            #expect(try await harness.stub.read(CallRequest(text: "key")).text == "written:new")
            #expect(reads() == 1)
            #expect(changes.events == ["zrpc.test.rpc.TestService/Read v2"])
            // An older version (1 < 2) does not undo the newer write.
            _ = try await harness.stub.call(CallRequest(text: "older", delayMillis: 1))
            #expect(try await harness.stub.read(CallRequest(text: "key")).text == "written:new")
            // A failed write changes nothing.
            await #expect(throws: RPCError.self) {
                _ = try await harness.stub.call(CallRequest(text: "fails", delayMillis: 3, failCode: 14))
            }
            #expect(try await harness.stub.read(CallRequest(text: "key")).text == "written:new")
            #expect(changes.events.count == 1)
            // A rule that cannot say what changed flushes the cache.
            _ = try await harness.stub.call(CallRequest(text: "unknowable"))
            #expect(cache.flushes == 1)
            #expect(changes.events.last == "flush")  // other processes flush too
            #expect(try await harness.stub.read(CallRequest(text: "key")).text == "key")
            #expect(reads() == 2)
        }
    }
}
