public import ProtobufC
public import ServiceLifecycle
internal import ZeroMQ

/// A connection to one service's servers: multiplexes any number of concurrent calls over one
/// DEALER socket, owned by the client's I/O thread.
///
/// Nothing happens until it runs. It is a swift-service-lifecycle `Service`: ``run()`` connects and
/// serves calls until graceful shutdown, then lets the calls in flight finish and returns. Calls made
/// before it runs wait for it (up to their deadline). ``withClient(configuration:_:)`` runs one around
/// a body. Generated stubs wrap it (`Echo_Echo.Client(wrapping: client)`); calls spread across
/// ``Configuration/endpoints``; a server that restarts is reconnected to. Every call has a deadline.
///
/// ```swift
/// try await Client.withClient(configuration: .init(endpoints: ["tcp://127.0.0.1:5555"])) { client in
///     let echo = Echo_Echo.Client(wrapping: client)
///     let reply = try await echo.say(.init(text: "hi"), options: .init(timeout: .seconds(1)))
/// }
/// ```
public final class Client: Service, Sendable {
    /// What this client was made with.
    public let configuration: Configuration
    /// Counters of late and malformed responses.
    public let statistics = ClientStatistics()
    /// The resilience layers built from ``Configuration/resilience``.
    public let resilience: ResilienceLayers

    /// The I/O loop; its thread runs while ``run()`` does.
    private let loop: IOLoop<ClientDriver>
    /// Where calls go instead of the network, for a client made with ``init(calling:configuration:)``.
    let inProcess: InProcessServer?
    /// ``ClientRequest/peer`` for every call.
    let peer: String
    let connection = ClientConnection()
    private let shutdown = ShutdownSignal()
    let callIDs = CallIDGenerator()
    /// The interceptors, ending in ``send(_:connection:callIDs:)``; nil when there are none, so a
    /// call goes straight to `send` (one async frame and executor check fewer per call).
    /// The resilience layers methods' `.proto`s declare, for what the configuration leaves out.
    let declared: DeclaredLayers
    let interceptorChain: (nonisolated(nonsending) @Sendable (ClientRequest) async throws -> ClientResponse)?

    /// Creates a client; nothing connects until ``run()``.
    ///
    /// - Parameter configuration: Endpoints, default timeout, interceptors, resilience.
    /// - Throws: ``ResilienceConfigurationError`` for an invalid resilience setting, ``RPCError``
    ///   (`RESOURCE_EXHAUSTED`) when the process is out of file descriptors.
    public convenience init(configuration: Configuration) throws {
        try self.init(configuration: configuration, inProcess: nil)
    }

    /// Creates a client whose calls go to `server`, in this process, with no sockets: they run
    /// this client's interceptors and resilience layers, then the server's interceptors and
    /// handlers (``InProcessServer``). For tests; the lifecycle is a real client's.
    ///
    /// ```swift
    /// let client = try Client(calling: InProcessServer(services: [EchoService()]))
    /// ```
    ///
    /// - Parameters:
    ///   - server: The services to call.
    ///   - configuration: Default timeout, interceptors, resilience (endpoints are not used).
    /// - Throws: ``ResilienceConfigurationError`` for an invalid resilience setting.
    public convenience init(calling server: InProcessServer, configuration: Configuration = .init(endpoints: [])) throws
    {
        try self.init(configuration: configuration, inProcess: server)
    }

    private init(configuration: Configuration, inProcess: InProcessServer?) throws {
        self.configuration = configuration
        self.inProcess = inProcess
        self.peer =
            if inProcess != nil {
                "in-process"
            } else if let lookup = configuration.directory {
                "\(lookup.service) via \(lookup.directory.joined(separator: ","))"
            } else {
                configuration.endpoints.joined(separator: ",")
            }
        let resilience = try configuration.resilience.makeLayers(logger: configuration.logger)
        self.resilience = resilience
        do {
            loop = try IOLoop(name: configuration.name)
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not create the client's I/O loop", cause: error)
        }
        let connection = connection
        let callIDs = callIDs
        let declared = DeclaredLayers(configured: configuration.resilience, logger: configuration.logger)
        self.declared = declared
        let interceptors = configuration.interceptors + resilience.interceptors
        if interceptors.isEmpty {
            interceptorChain = nil
        } else {
            var next: nonisolated(nonsending) @Sendable (ClientRequest) async throws -> ClientResponse = { request in
                try await Self.transport(
                    request,
                    declared: declared,
                    inProcess: inProcess,
                    connection: connection,
                    callIDs: callIDs
                )
            }
            for interceptor in interceptors.reversed() {
                let inner = next
                next = { request in try await interceptor.intercept(request, next: inner) }
            }
            interceptorChain = next
        }
    }

    /// Connects and serves calls until graceful shutdown (swift-service-lifecycle's, or a call to
    /// ``beginGracefulShutdown()``) or task cancellation; then refuses new calls (UNAVAILABLE,
    /// marked as not sent), lets the calls in flight finish (each within its deadline; at once when
    /// cancelled), closes the socket and returns.
    ///
    /// - Throws: ``RPCError``: `UNAVAILABLE` when the client could not start (a malformed endpoint:
    ///   the ``RPCError/cause`` says why), `FAILED_PRECONDITION` when it ran before.
    public func run() async throws {
        switch connection.claimRun() {
        case .claimed: break
        case .shutDownBeforeRun: return
        case .ranBefore: throw RPCError(code: .failedPrecondition, message: "the client ran before: make a new one")
        }
        if inProcess != nil {
            await shutdown.wait()  // nothing to connect: calls go straight to the in-process server
            connection.stopping()
            connection.stopped()
            return
        }
        let context: Context
        do {
            context = try configuration.transportContext?.context ?? Context()
            let (configuration, statistics) = (configuration, statistics)
            try await loop.start {
                try ClientDriver(context: context, configuration: configuration, statistics: statistics)
            }
        } catch {
            connection.stopping()
            connection.stopped()
            // A refusal by configuration (plain text where security is required) keeps its code.
            throw error as? RPCError
                ?? RPCError(code: .unavailable, message: "the client could not start: \(error)", cause: error)
        }
        connection.started(loop)
        configuration.logger.info(
            "client started",
            metadata: [
                "endpoints": "\(configuration.endpoints)",
                "default-timeout": "\(configuration.defaultTimeout)",
                "resilience": "\(configuration.resilience.summary)",
            ]
        )
        let watcher = configuration.directory.map { lookup in
            Task { [loop, logger = configuration.logger] in
                await DirectoryWatcher(lookup: lookup, loop: loop, logger: logger).run()
            }
        }
        await shutdown.wait()
        connection.stopping()
        if !Task.isCancelled {
            await withCheckedContinuation { done in loop.submit(.drain(done)) }
        }
        watcher?.cancel()
        await watcher?.value
        await loop.shutdown()
        if configuration.transportContext == nil { context.shutdown() }
        connection.stopped()
        configuration.logger.info("client stopped")
    }

    /// Returns once ``run()`` has started the I/O loop (for tests that need calls to start together).
    func waitUntilRunning() async throws {
        _ = try await connection.loop(deadline: .now.advanced(by: .seconds(30)))
    }

    /// Starts shutting down: new calls fail with UNAVAILABLE from now on, and ``run()`` returns
    /// once the calls in flight are done. Returns at once; safe to call any number of times.
    public func beginGracefulShutdown() {
        connection.stopping()
        shutdown.request()
    }

    /// The client's I/O thread as a task executor: a task that prefers it
    /// (`withTaskExecutorPreference(client.executor) { … }`) is resumed on the I/O thread when its
    /// response arrives, with no thread switch. Its jobs run once the client runs (they wait for
    /// ``run()``), and where they are enqueued after it has stopped.
    public var executor: any TaskExecutor { loop }

    /// Calls a unary method: encodes the request, runs the interceptors and the transport, and
    /// decodes the response. Runs on the caller's executor (no hop) until it waits for the
    /// response, and decodes it where the caller resumes.
    ///
    /// - Parameters:
    ///   - method: The method's descriptor (generated: `Echo_Echo.Method.Say.descriptor`).
    ///   - request: The request message.
    ///   - options: Timeout, metadata, idempotency key.
    /// - Returns: The response message.
    /// - Throws: ``RPCError`` with the server's status, or DEADLINE_EXCEEDED, CANCELLED,
    ///   UNAVAILABLE, INTERNAL (a response that does not decode).
    @inlinable
    nonisolated(nonsending) public func unary<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = .defaults,
        responseType: Response.Type = Response.self
    ) async throws -> Response {
        try await call(method, request: request, options: options, responseType: responseType).message
    }

    /// Calls a unary method and returns the response with its metadata (trailers).
    ///
    /// ```swift
    /// let response = try await client.call(Echo_Echo.Method.Say.descriptor, request: request, responseType: Echo_EchoReply.self)
    /// print(response.message.text, response.trailers["served-by"] ?? "")
    /// ```
    ///
    /// - Parameters:
    ///   - method: The method's descriptor.
    ///   - request: The request message.
    ///   - options: Timeout, metadata, idempotency key.
    /// - Returns: The response message and its trailers.
    @inlinable
    nonisolated(nonsending) public func call<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = .defaults,
        responseType: Response.Type = Response.self
    ) async throws -> UnaryResponse<Response> {
        let payload: SerializedMessage
        do {
            payload = try SerializedMessage(request)
        } catch {
            throw RPCError(code: .invalidArgument, message: "the request could not be encoded: \(error)", cause: error)
        }
        let response = try await perform(method, payload: payload, options: options)
        do {
            let message = try response.payload.decode(as: Response.self, limits: configuration.decodingLimits)
            return UnaryResponse(message: message, trailers: response.metadata)
        } catch {
            throw RPCError(code: .internal, message: "the response did not decode: \(error)", cause: error)
        }
    }

    /// The untyped part of a call: checks the options, sets the deadline, runs the interceptors
    /// and the transport.
    @usableFromInline
    nonisolated(nonsending) func perform(
        _ method: MethodDescriptor,
        payload: SerializedMessage,
        options: CallOptions
    ) async throws -> ClientResponse {
        let deadline = try deadline(for: method, options: options)
        let call = ClientRequest(
            method: method,
            payload: payload,
            metadata: options.metadata,
            deadline: deadline,
            attempt: 1,
            idempotencyKey: options.idempotencyKey ?? Self.idempotencyKey(for: method),
            peer: peer
        )
        if let interceptorChain { return try await interceptorChain(call) }
        if method.defaults.declaresResilience {
            return try await Self.transport(
                call,
                declared: declared,
                inProcess: inProcess,
                connection: connection,
                callIDs: callIDs
            )
        }
        if let inProcess { return try await Self.call(inProcess, call, connection: connection) }
        return try await Self.send(call, connection: connection, callIDs: callIDs)
    }

    /// The end of the interceptor chain: the layers the method's `.proto` declares, if any, then
    /// the transport (or the in-process server).
    nonisolated(nonsending) static func transport(
        _ request: ClientRequest,
        declared: DeclaredLayers,
        inProcess: InProcessServer?,
        connection: ClientConnection,
        callIDs: CallIDGenerator
    ) async throws -> ClientResponse {
        guard request.method.defaults.declaresResilience else {
            if let inProcess { return try await call(inProcess, request, connection: connection) }
            return try await send(request, connection: connection, callIDs: callIDs)
        }
        return try await declared.run(request) { request in
            if let inProcess { return try await call(inProcess, request, connection: connection) }
            return try await send(request, connection: connection, callIDs: callIDs)
        }
    }

    /// Checks a call's options and works out its deadline: the options' timeout, else the
    /// method's configured timeout, else the one its `.proto` declares, else the default, bounded
    /// by an enclosing call's deadline.
    func deadline(for method: MethodDescriptor, options: CallOptions) throws -> ContinuousClock.Instant {
        if let reserved = options.metadata.first(where: { $0.key.hasPrefix(Metadata.reservedPrefix) }) {
            throw RPCError(
                code: .invalidArgument,
                message:
                    "metadata key \(reserved.key) uses the prefix \(Metadata.reservedPrefix), which is reserved for ZRPC"
            )
        }
        let perMethod = configuration.methodTimeouts.isEmpty ? nil : configuration.methodTimeouts[method.fullName]
        let timeout = options.timeout ?? perMethod ?? method.defaults.timeout ?? configuration.defaultTimeout
        return CallDeadline.effective(timeout: timeout)
    }

    /// A fresh idempotency key for a method its `.proto` declares keyed (the same on every attempt
    /// of the call, so the server can recognise a repeat); "" for other methods.
    static func idempotencyKey(for method: MethodDescriptor) -> String {
        guard method.defaults.idempotencyKeyed else { return "" }
        return String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
    }

    /// The end of the interceptor chain of an in-process client: refused once it shuts down.
    static func call(
        _ server: InProcessServer,
        _ request: ClientRequest,
        connection: ClientConnection
    ) async throws -> ClientResponse {
        _ = try connection.loopIfRunning()
        if let stream = request.stream { return try await server.stream(request, hook: stream) }
        return try await server.call(request)
    }

    /// The end of the interceptor chain: one attempt over the wire. The call id is taken only
    /// once the call will be sent; an id whose request cannot be encoded is reported to the loop,
    /// so every id reaches it (see ``EarlyCancels``).
    @inline(__always)
    nonisolated(nonsending) static func send(
        _ request: ClientRequest,
        connection: ClientConnection,
        callIDs: CallIDGenerator
    ) async throws -> ClientResponse {
        if let stream = request.stream {
            return try await sendStream(request, hook: stream, connection: connection, callIDs: callIDs)
        }
        let running = try connection.loopIfRunning()
        let loop = if let running { running } else { try await connection.loop(deadline: request.deadline) }
        let remaining = ContinuousClock.now.duration(to: request.deadline)
        guard remaining > .zero else {
            throw RPCError(code: .deadlineExceeded, message: "the deadline passed before the call was sent")
        }
        let callID = callIDs.next()
        let headerFrame: Frame
        do {
            headerFrame = try WireHeaders.request(
                callID: callID,
                method: request.method,
                remaining: remaining,
                request: request
            )
        } catch {
            loop.submit(.skip(callID))
            throw error
        }
        let response = try await withTaskCancellationHandler {
            // Unchecked: the driver resumes each call once (see ClientDriver.Call), and a checked
            // continuation would cost an allocation per call.
            try await withUnsafeThrowingContinuation { continuation in
                loop.submit(
                    .start(
                        .init(
                            id: callID,
                            header: headerFrame,
                            payload: request.payload.frame,
                            deadline: request.deadline,
                            continuation: continuation
                        )
                    )
                )
            }
        } onCancel: {
            loop.submit(.cancel(callID))
        }
        let metadata = WireFormat.metadata(response.header.metadata)
        if let error = WireStatus.error(from: response.header, metadata: metadata) { throw error }
        return ClientResponse(payload: SerializedMessage(frame: response.payload), metadata: metadata)
    }
}
