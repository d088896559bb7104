import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

@Suite("Request/reply")
struct RequestReplyTests {
    @Test("a call goes through", arguments: Transport.allCases, HandlerPlacement.allCases)
    func roundTrip(transport: Transport, handlers: HandlerPlacement) async throws {
        try await withHarness(transport: transport, configureServer: handlers.configure) { harness in
            let reply = try await harness.stub.call(.init(text: "hello"))
            #expect(reply.text == "hello")
            #expect(reply.servedBy == "test-service")
        }
    }

    @Test("many concurrent callers each get their own reply", arguments: Transport.allCases, HandlerPlacement.allCases)
    func concurrentCallers(transport: Transport, handlers: HandlerPlacement) async throws {
        try await withHarness(transport: transport, configureServer: handlers.configure) { harness in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<32 {
                    group.addTask {
                        for call in 0..<25 {
                            let text = "\(caller)-\(call)"
                            let reply = try await harness.stub.call(.init(text: text, delayMillis: Int64(call % 3)))
                            #expect(reply.text == text)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test(
        "consecutive calls to methods that share a name or a service each reach their own handler",
        arguments: HandlerPlacement.allCases
    )
    func handlersSharingNames(handlers: HandlerPlacement) async throws {
        let faulty = FaultyService(name: "faulty")
        try await withHarness(
            configureServer: handlers.configure,
            services: { [TestService(events: $0, gates: $1), faulty] }
        ) { harness in
            let faultyStub = Zrpc_Testkit_Faulty.Client(wrapping: harness.client)
            for round in 0..<3 {
                // TestService/Read and Faulty/Read share a method name; Call and Relay a service.
                let read = try await harness.stub.read(.init(text: "read \(round)"))
                #expect(read.text == "read \(round)" && read.servedBy == "test-service")
                let faultyRead = try await faultyStub.read(.init(key: "key \(round)"))
                #expect(faultyRead.key == "key \(round)" && faultyRead.servedBy == "faulty")
                let call = try await harness.stub.call(.init(text: "call \(round)"))
                #expect(call.text == "call \(round)" && call.servedBy == "test-service")
                let relay = try await rpcError { try await harness.stub.relay(.init(text: "relay \(round)")) }
                #expect(relay.code == .failedPrecondition, "Relay reached another method's handler")
            }
            #expect(faulty.stats.calls == 3)
        }
    }

    @Test("metadata travels both ways", arguments: HandlerPlacement.allCases)
    func metadata(handlers: HandlerPlacement) async throws {
        try await withHarness(configureServer: handlers.configure) { harness in
            var options = CallOptions()
            options.metadata["tenant"] = "acme"
            options.metadata.append("x-tag", "blue")
            options.idempotencyKey = "key-1"
            let response = try await harness.client.call(
                TestRPC.Method.Call.descriptor,
                request: CallRequest(text: "m"),
                options: options,
                responseType: CallReply.self
            )
            #expect(response.message.metadata["tenant"] == "acme")
            #expect(response.message.metadata["x-tag"] == "blue")
            #expect(response.message.idempotencyKey == "key-1")
            #expect(response.message.attempt == 1)
            #expect(response.trailers["served-by"] == "test-service")

            let reserved = try await rpcError {
                try await harness.stub.call(.init(text: "r"), options: .init(metadata: ["zrpc-attempt": "9"]))
            }
            #expect(reserved.code == .invalidArgument)
            #expect(!harness.events.contains("started:r"))
        }
    }

    @Test("copies of a server context share its trailers and its call's details")
    func serverContextCopies() {
        let deadline = ContinuousClock.now.advanced(by: .seconds(3))
        let context = ServerContext(
            method: TestRPC.Method.Call.descriptor,
            metadata: ["tenant": "acme"],
            deadline: deadline,
            attempt: 2,
            idempotencyKey: "key-2",
            peer: "tester"
        )
        let request = ServerRequestCopy(context: context)
        request.context.setTrailer("set-by", "copy")
        context.setTrailer("also-set-by", "original")
        #expect(context.responseTrailers["set-by"] == "copy")
        #expect(request.context.responseTrailers["also-set-by"] == "original")
        #expect(request.context.method == TestRPC.Method.Call.descriptor)
        #expect(request.context.metadata["tenant"] == "acme")
        #expect(request.context.deadline == deadline)
        #expect(request.context.attempt == 2)
        #expect(request.context.idempotencyKey == "key-2")
        #expect(request.context.peer == "tester")
    }

    @Test(
        "a handler's RPCError reaches the client with its code, message and metadata",
        arguments: HandlerPlacement.allCases
    )
    func handlerError(handlers: HandlerPlacement) async throws {
        try await withHarness(configureServer: handlers.configure) { harness in
            let error = try await rpcError {
                try await harness.stub.call(
                    .init(failCode: RPCError.Code.notFound.rawValue, failMessage: "no such thing")
                )
            }
            #expect(error.code == .notFound)
            #expect(error.message == "no such thing")
            #expect(error.metadata["failed-by"] == "test-service")
        }
    }

    @Test("any other error becomes UNKNOWN without leaking its details", arguments: HandlerPlacement.allCases)
    func handlerCrash(handlers: HandlerPlacement) async throws {
        try await withHarness(configureServer: handlers.configure) { harness in
            let error = try await rpcError {
                try await harness.stub.call(.init(crashWith: "database password is hunter2"))
            }
            #expect(error.code == .unknown)
            #expect(!error.message.contains("hunter2"))
            // The server keeps serving.
            #expect(try await harness.stub.call(.init(text: "after")).text == "after")
        }
    }

    @Test("unknown service and unknown method are UNIMPLEMENTED")
    func unimplemented() async throws {
        try await withHarness { harness in
            let unknownMethod = MethodDescriptor(service: TestRPC.descriptor.fullName, method: "Nope")
            let methodError = try await rpcError {
                try await harness.client.unary(unknownMethod, request: CallRequest(), responseType: CallReply.self)
            }
            #expect(methodError.code == .unimplemented)
            #expect(methodError.message.contains("unknown method Nope"))

            let serviceError = try await rpcError {
                try await Zrpc_Test_Conformance.Client(wrapping: harness.client).nothing(.init())
            }
            #expect(serviceError.code == .unimplemented)
            #expect(serviceError.message.contains("unknown service zrpc.test.Conformance"))
        }
    }

    @Test("an oversized request is RESOURCE_EXHAUSTED and the server goes on")
    func oversized() async throws {
        try await withHarness(configureServer: { $0.maxRequestBytes = 1_000 }) { harness in
            let error = try await rpcError {
                try await harness.stub.call(.init(blob: [UInt8](repeating: 7, count: 5_000)))
            }
            #expect(error.code == .resourceExhausted)
            #expect(try await harness.stub.call(.init(text: "small")).text == "small")
        }
    }

    @Test("beyond the concurrency limit a call is RESOURCE_EXHAUSTED at once")
    func concurrencyLimit() async throws {
        try await withHarness(configureServer: { $0.maxConcurrentCalls = 2 }) { harness in
            async let first = harness.stub.call(.init(text: "a", gate: "hold"))
            async let second = harness.stub.call(.init(text: "b", gate: "hold"))
            #expect(await harness.events.wait(for: "started:a"))
            #expect(await harness.events.wait(for: "started:b"))
            let error = try await rpcError { try await harness.stub.call(.init(text: "c")) }
            #expect(error.code == .resourceExhausted)
            harness.gates.open("hold")
            #expect(try await first.text == "a")
            #expect(try await second.text == "b")
        }
    }

    @Test("a per-service limit refuses that service's calls beyond it and leaves others alone")
    func perServiceLimit() async throws {
        try await withHarness(configureServer: { $0.maxConcurrentCallsPerService = [TestRPC.descriptor.fullName: 1] }) {
            harness in
            async let held = harness.stub.call(.init(text: "held", gate: "hold"))
            #expect(await harness.events.wait(for: "started:held"))
            let error = try await rpcError { try await harness.stub.call(.init(text: "second")) }
            #expect(error.code == .resourceExhausted)
            #expect(error.message.contains(TestRPC.descriptor.fullName))
            let health = try await HealthClient(wrapping: harness.client).check()
            #expect(health == .serving)  // another service is unaffected
            harness.gates.open("hold")
            #expect(try await held.text == "held")
            #expect(try await harness.stub.call(.init(text: "third")).text == "third")
        }
    }

    @Test("client and server interceptors run around every call")
    func interceptors() async throws {
        try await withHarness(
            configureServer: { $0.interceptors = [RequireHeader(key: "tenant")] },
            configureClient: {
                $0.interceptors = [AddHeader(key: "tenant", value: "acme"), AddHeader(key: "order", value: "outer")]
            }
        ) { harness in
            let reply = try await harness.stub.call(.init(text: "i"))
            #expect(reply.metadata["tenant"] == "acme")
            #expect(reply.metadata["order"] == "outer")
        }
        try await withHarness(configureServer: { $0.interceptors = [RequireHeader(key: "tenant")] }) { harness in
            let error = try await rpcError { try await harness.stub.call(.init(text: "i")) }
            #expect(error.code == .unauthenticated)
            #expect(!harness.events.contains("started:i"))
        }
    }

    @Test("the health service reports serving, unknown services and readiness")
    func health() async throws {
        try await withHarness { harness in
            let health = HealthClient(wrapping: harness.client)
            let service = TestRPC.descriptor.fullName
            func status(_ name: String) async throws -> HealthStatus.ServingStatus {
                try await health.check(service: name)
            }
            var seen = try await [status(""), status(service), status("no.Such")]
            #expect(seen == [.serving, .serving, .serviceUnknown])
            harness.server.health.set(.notServing, for: service)
            seen = try await [status(""), status(service)]
            #expect(seen == [.serving, .notServing])
            harness.server.health.set(nil, for: service)
            harness.server.health.setReady(false)
            seen = try await [status(""), status(service)]
            #expect(seen == [.notServing, .notServing])
        }
    }
}

struct AddHeader: ClientInterceptor {
    let key: String
    let value: String

    func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        var request = request
        if request.metadata[key] == nil { request.metadata[key] = value }
        return try await next(request)
    }
}

struct RequireHeader: ServerInterceptor {
    let key: String

    func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        guard request.context.metadata[key] != nil else {
            throw RPCError(code: .unauthenticated, message: "missing \(key)")
        }
        return try await next(request)
    }
}

/// A value holding a context, as an interceptor's request does: copying it copies the context.
private struct ServerRequestCopy {
    var context: ServerContext
}
