import ConformanceMessages
import ConformanceServices
import EchoMessages
import EchoService
import Testing
import ZRPC

/// Services called in process, with no sockets: the echo service's own logic, and everything a call
/// goes through besides the network (interceptors, deadlines, cancellation, status mapping).
@Suite("In process")
struct InProcessTests {
    @Test("the echo service answers, and refuses an empty text with INVALID_ARGUMENT")
    func echoLogic() async throws {
        try await Client.withClient(calling: InProcessServer(services: [EchoService(name: "unit")])) { client in
            let echo = Echo_Echo.Client(wrapping: client)
            let reply = try await echo.say(.init(text: "hi", sequence: 7))
            #expect(reply == Echo_EchoReply(text: "hi", sequence: 7, servedBy: "unit"))
            let error = try await rpcError { try await echo.say(.init(text: "")) }
            #expect(error.code == .invalidArgument)
            #expect(error.message == "text must not be empty")
        }
    }

    /// Code that calls the echo service, written against the generated protocol.
    struct Greeter<Echo: Echo_Echo.ClientProtocol> {
        let echo: Echo

        func greet(_ name: String) async throws -> String {
            try await echo.say(.init(text: "hello \(name)")).text.uppercased()
        }
    }

    /// A mock of the generated protocol: no client, no server.
    struct MockEcho: Echo_Echo.ClientProtocol {
        func say(_ request: Echo_EchoRequest, options: CallOptions) async throws -> Echo_EchoReply {
            Echo_EchoReply(text: "mock: " + request.text)
        }
    }

    @Test("code that takes a generated ClientProtocol runs against a mock and against the real stub")
    func clientProtocol() async throws {
        #expect(try await Greeter(echo: MockEcho()).greet("ann") == "MOCK: HELLO ANN")
        try await Client.withClient(calling: InProcessServer(services: [EchoService(name: "x")])) { client in
            let greeting = try await Greeter(echo: Echo_Echo.Client(wrapping: client)).greet("bo")
            #expect(greeting == "HELLO BO")
        }
    }

    @Test("a handler's own error reaches the caller as is; anything else as UNKNOWN without details")
    func statusMapping() async throws {
        let server = InProcessServer(services: [TestService(events: EventRecorder(), gates: Gates())])
        try await Client.withClient(calling: server) { client in
            let stub = TestRPC.Client(wrapping: client)
            let own = try await rpcError {
                try await stub.call(.init(failCode: RPCError.Code.notFound.rawValue, failMessage: "no such"))
            }
            #expect(own.code == .notFound)
            #expect(own.message == "no such")
            let crash = try await rpcError { try await stub.call(.init(crashWith: "secret details")) }
            #expect(crash.code == .unknown)
            #expect(!crash.message.contains("secret"))
            let missing = try await rpcError {
                try await Zrpc_Test_Conformance.Client(wrapping: client).nothing(.init())
            }
            #expect(missing.code == .unimplemented)
        }
    }

    @Test("the deadline cancels the handler and the caller gets DEADLINE_EXCEEDED; trailers and metadata pass")
    func deadlineAndMetadata() async throws {
        let events = EventRecorder()
        let server = InProcessServer(services: [TestService(events: events, gates: Gates())])
        try await Client.withClient(calling: server) { client in
            let stub = TestRPC.Client(wrapping: client)
            let slow = try await rpcError {
                try await stub.call(.init(text: "slow", gate: "never"), options: .init(timeout: .milliseconds(100)))
            }
            #expect(slow.code == .deadlineExceeded)
            #expect(await events.wait(for: "cancelled:slow"))
            let response = try await client.call(
                TestRPC.Method.Call.descriptor,
                request: CallRequest(text: "m"),
                options: .init(metadata: ["tenant": "acme"]),
                responseType: CallReply.self
            )
            #expect(response.message.metadata["tenant"] == "acme")
            #expect(response.trailers["served-by"] == "test-service")
        }
    }

    @Test("cancelling the caller cancels the handler")
    func cancellation() async throws {
        let events = EventRecorder()
        let server = InProcessServer(services: [TestService(events: events, gates: Gates())])
        try await Client.withClient(calling: server) { client in
            let stub = TestRPC.Client(wrapping: client)
            let call = Task { try await stub.call(.init(text: "held", gate: "never")) }
            #expect(await events.wait(for: "started:held"))
            call.cancel()
            let error = try await rpcError { try await call.value }
            #expect(error.code == .cancelled)
            #expect(await events.wait(for: "cancelled:held"))
        }
    }

    @Test("client and server interceptors run in process as over the wire")
    func interceptors() async throws {
        var serverConfiguration = Server.Configuration(endpoints: [])
        serverConfiguration.interceptors = [RequireHeader(key: "tenant")]
        let server = InProcessServer(
            configuration: serverConfiguration,
            services: [TestService(events: EventRecorder(), gates: Gates())]
        )
        try await Client.withClient(calling: server) { client in
            let error = try await rpcError { try await TestRPC.Client(wrapping: client).call(.init(text: "i")) }
            #expect(error.code == .unauthenticated)
        }
        let configuration = Client.Configuration(endpoints: [], interceptors: [AddHeader(key: "tenant", value: "acme")])
        try await Client.withClient(calling: server, configuration: configuration) { client in
            let reply = try await TestRPC.Client(wrapping: client).call(.init(text: "i"))
            #expect(reply.metadata["tenant"] == "acme")
        }
    }

    @Test("interceptors see the call's context: method, peer, deadline, attempt")
    func interceptorContext() async throws {
        let seen = EventRecorder()
        struct Record: ClientInterceptor {
            let seen: EventRecorder
            func intercept(
                _ request: ClientRequest,
                next: @Sendable (ClientRequest) async throws -> ClientResponse
            ) async throws -> ClientResponse {
                seen.record(
                    "\(request.method.fullName) \(request.peer) attempt \(request.attempt) deadline \(request.deadline > .now)"
                )
                return try await next(request)
            }
        }
        let server = InProcessServer(services: [TestService(events: EventRecorder(), gates: Gates())])
        let configuration = Client.Configuration(endpoints: [], interceptors: [Record(seen: seen)])
        try await Client.withClient(calling: server, configuration: configuration) { client in
            _ = try await TestRPC.Client(wrapping: client).call(.init(text: "c"))
        }
        #expect(seen.events == ["zrpc.test.rpc.TestService/Call in-process attempt 1 deadline true"])
    }

    @Test("a handler's unit test makes its ServerContext directly")
    func handlerUnitTest() async throws {
        let context = ServerContext(method: TestRPC.Method.Call.descriptor, metadata: ["tenant": "acme"], attempt: 2)
        let reply = try await TestService(events: EventRecorder(), gates: Gates()).call(
            .init(text: "direct"),
            context: context
        )
        #expect(reply.text == "direct")
        #expect(reply.attempt == 2)
        #expect(context.responseTrailers["served-by"] == "test-service")
    }
}

/// Interceptors registered for some services or methods only.
@Suite("Scoped interceptors")
struct ScopedInterceptorTests {
    @Test("a scope holds the calls of its services or methods")
    func scopes() {
        let say = MethodDescriptor(service: "echo.Echo", method: "Say")
        let shout = MethodDescriptor(service: "echo.Echo", method: "Shout")
        let other = MethodDescriptor(service: "other.Other", method: "Say")
        #expect(InterceptorScope.all.contains(other))
        #expect(InterceptorScope.services(["echo.Echo"]).contains(shout))
        #expect(!InterceptorScope.services(["echo.Echo"]).contains(other))
        #expect(InterceptorScope.methods([say]).contains(say))
        #expect(!InterceptorScope.methods([say]).contains(shout))
        #expect(!InterceptorScope.methods([say]).contains(other))
    }

    @Test("a scoped interceptor runs for its methods only, on client and server")
    func scopedInterceptors() async throws {
        var serverConfiguration = Server.Configuration(endpoints: [])
        serverConfiguration.interceptors = [
            RequireHeader(key: "tenant").scoped(to: .methods([TestRPC.Method.Read.descriptor]))
        ]
        let server = InProcessServer(
            configuration: serverConfiguration,
            services: [TestService(events: EventRecorder(), gates: Gates())]
        )
        try await Client.withClient(calling: server) { client in
            let stub = TestRPC.Client(wrapping: client)
            let open = try await stub.call(.init(text: "no tenant needed"))
            #expect(open.text == "no tenant needed")
            let refused = try await rpcError { try await stub.read(.init(text: "tenant needed")) }
            #expect(refused.code == .unauthenticated)
        }
        let tagging = Client.Configuration(
            endpoints: [],
            interceptors: [AddHeader(key: "tenant", value: "acme").scoped(to: .services([TestRPC.descriptor.fullName]))]
        )
        try await Client.withClient(calling: server, configuration: tagging) { client in
            let reply = try await TestRPC.Client(wrapping: client).read(.init(text: "tagged"))
            #expect(reply.metadata["tenant"] == "acme")
        }
    }
}
