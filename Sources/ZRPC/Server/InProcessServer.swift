/// Services called in this process with no sockets: for testing code that calls them, and the
/// services themselves, through everything a real call goes through except the network.
///
/// A client made with ``Client/init(calling:configuration:)`` sends its calls here: they run the
/// client's interceptors and resilience layers, then the server's interceptors and the handler, with
/// the call's deadline (the handler is cancelled when it passes), the caller's cancellation, the
/// server's limits, and the same status mapping as over the wire (a handler's own ``RPCError`` as is,
/// anything else as UNKNOWN without details).
///
/// ```swift
/// let server = InProcessServer(services: [EchoService()])
/// try await Client.withClient(calling: server) { client in
///     let echo = Echo_Echo.Client(wrapping: client)
///     #expect(try await echo.say(.init(text: "hi")).text == "hi")
/// }
/// ```
public final class InProcessServer: Sendable {
    /// The limits, interceptors, timeouts and logger calls get (endpoints are not used).
    public let configuration: Server.Configuration
    /// The health service's status, as a real server's.
    public let health: HealthStatus

    private let registry: ServiceRegistry
    private let chain: ServerChain

    /// Hosts `services` (and the health service) in this process.
    ///
    /// - Parameters:
    ///   - configuration: Limits, interceptors, timeouts, logger.
    ///   - services: The services to call.
    public init(configuration: Server.Configuration = .init(endpoints: []), services: [any RPCService]) {
        self.configuration = configuration
        let hosted = services.map(\.serviceDescriptor.fullName)
        health = HealthStatus(services: Set(hosted))
        var all = services
        if !hosted.contains(Zrpc_Health_Health.descriptor.fullName) { all.append(HealthService(status: health)) }
        registry = ServiceRegistry(services: all)
        chain = configuration.makeChain()
    }

    /// Serves one call the way a server's driver does: admission, the deadline, the chain, the
    /// status mapping.
    func call(_ request: ClientRequest) async throws -> ClientResponse {
        let handler = try handler(for: request)
        guard !handler.kind.isStreaming else {
            throw RPCError(
                code: .invalidArgument,
                message: "\(handler.method) is \(handler.kind): open the call as a stream"
            )
        }
        guard request.payload.count <= configuration.maxRequestBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message:
                    "the request is \(request.payload.count) bytes; this server accepts at most \(configuration.maxRequestBytes)"
            )
        }
        let (context, deadline) = try context(for: request, method: handler.method)
        let serverRequest = ServerRequest(payload: request.payload, context: context, handler: handler)
        let payload = try await run(serverRequest, until: deadline)
        return ClientResponse(payload: payload, metadata: context.responseTrailers)
    }

    /// The handler of the called method, or UNIMPLEMENTED.
    func handler(for request: ClientRequest) throws -> MethodHandler {
        guard let handler = registry.handler(for: request.method) else {
            let message =
                registry.hosts(service: request.method.service)
                ? "unknown method \(request.method.method) in service \(request.method.service)"
                : "unknown service \(request.method.service)"
            throw RPCError(code: .unimplemented, message: message)
        }
        return handler
    }

    /// The handler's context and the server's deadline, from the client's deadline (clamped as a
    /// server clamps it).
    func context(
        for request: ClientRequest,
        method: MethodDescriptor
    ) throws -> (ServerContext, ContinuousClock.Instant) {
        let remaining = ContinuousClock.now.duration(to: request.deadline)
        guard remaining > .zero else {
            throw RPCError(code: .deadlineExceeded, message: "the deadline passed before the call was sent")
        }
        let deadline = ContinuousClock.now.advanced(
            by: ServerTimeouts.clamp(micros: max(WireFormat.micros(remaining), 1), configuration)
        )
        let context = ServerContext(
            method: method,
            metadata: request.metadata,
            deadline: deadline,
            attempt: request.attempt,
            idempotencyKey: request.idempotencyKey,
            peer: "in-process"
        )
        return (context, deadline)
    }

    /// Runs the chain in a child task that is cancelled at `deadline` (or with the caller).
    func run(
        _ request: ServerRequest,
        until deadline: ContinuousClock.Instant
    ) async throws -> SerializedMessage {
        let chain = chain
        let logger = configuration.logger
        return try await withThrowingTaskGroup(of: SerializedMessage?.self) { group in
            group.addTask {
                do {
                    return try await CallDeadline.$current.withValue(deadline) { try await chain(request) }
                } catch {
                    throw WireStatus.status(for: error, method: request.context.method, logger: logger)
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let payload = first else {
                if Task.isCancelled { throw RPCError(code: .cancelled, message: "the call was cancelled") }
                throw RPCError(code: .deadlineExceeded, message: "the server's deadline for the call passed")
            }
            return payload
        }
    }
}
