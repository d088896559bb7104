public import ProtobufC
internal import ZeroMQ

/// A connection to one service's servers: multiplexes any number of concurrent calls over one
/// DEALER socket, owned by the client's I/O thread.
///
/// Generated stubs wrap it (`Echo_Echo.Client(wrapping: client)`); ``unary(_:request:options:)``
/// is what they call. Calls spread across ``Configuration/endpoints``; a server that restarts is
/// reconnected to by libzmq. Every call has a deadline.
///
/// ```swift
/// try await Client.withClient(configuration: .init(endpoints: ["tcp://127.0.0.1:5555"])) { client in
///     let echo = Echo_Echo.Client(wrapping: client)
///     let reply = try await echo.say(.init(text: "hi"), options: .init(timeout: .seconds(1)))
/// }
/// ```
public final class Client: Sendable {
    /// What this client was made with.
    public let configuration: Configuration
    /// Counters of late and malformed responses.
    public let statistics = ClientStatistics()
    /// The resilience layers built from ``Configuration/resilience``.
    public let resilience: ResilienceLayers

    private let context: Context
    private let loop: IOLoop<ClientDriver>
    private let callIDs = CallIDGenerator()
    /// The interceptors, ending in ``send(_:loop:callIDs:)``; nil when there are none, so a call
    /// goes straight to `send` (one async frame and executor check fewer per call).
    private let interceptorChain: (nonisolated(nonsending) @Sendable (ClientRequest) async throws -> ClientResponse)?

    /// Connects a client (the connection completes in the background; calls wait for it, up to
    /// their deadline).
    ///
    /// - Parameter configuration: Endpoints, default timeout, interceptors.
    /// - Throws: ``ZeroMQ/ZMQError`` for a malformed endpoint, ``ResilienceConfigurationError``
    ///   for an invalid resilience setting.
    public init(configuration: Configuration) async throws {
        self.configuration = configuration
        let resilience = try configuration.resilience.makeLayers(logger: configuration.logger)
        self.resilience = resilience
        let context = try configuration.transportContext?.context ?? Context()
        self.context = context
        let statistics = statistics
        let loop = try await IOLoop(name: configuration.name) {
            try ClientDriver(context: context, configuration: configuration, statistics: statistics)
        }
        self.loop = loop
        let callIDs = callIDs
        let interceptors = configuration.interceptors + resilience.interceptors
        if interceptors.isEmpty {
            interceptorChain = nil
        } else {
            var next: nonisolated(nonsending) @Sendable (ClientRequest) async throws -> ClientResponse = { request in
                try await Self.send(request, loop: loop, callIDs: callIDs)
            }
            for interceptor in interceptors.reversed() {
                let inner = next
                next = { request in try await interceptor.intercept(request, next: inner) }
            }
            interceptorChain = next
        }
        configuration.logger.info(
            "client started",
            metadata: [
                "endpoints": "\(configuration.endpoints)",
                "default-timeout": "\(configuration.defaultTimeout)",
                "resilience": "\(configuration.resilience.summary)",
            ]
        )
    }

    deinit {
        // A client dropped without close(): stop its I/O thread (calls still in flight hold the
        // client alive, so none is left waiting).
        loop.requestStop()
    }

    /// Runs `body` with a connected client and closes it afterwards, whatever happens.
    ///
    /// - Parameters:
    ///   - configuration: Endpoints, default timeout, interceptors.
    ///   - body: Uses the client.
    public static func withClient<Result: Sendable>(
        configuration: Configuration,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        let client = try await Client(configuration: configuration)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Fails calls in flight with UNAVAILABLE and stops the I/O thread.
    public func close() async {
        await loop.shutdown()
        if configuration.transportContext == nil { context.shutdown() }
    }

    /// The client's I/O thread as a task executor: a task that prefers it
    /// (`withTaskExecutorPreference(client.executor) { … }`) is resumed on the I/O thread when
    /// its response arrives, with no thread switch.
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
    nonisolated(nonsending) func perform(_ method: MethodDescriptor, payload: SerializedMessage, options: CallOptions) async throws -> ClientResponse {
        if let reserved = options.metadata.first(where: { $0.key.hasPrefix(Metadata.reservedPrefix) }) {
            throw RPCError(
                code: .invalidArgument,
                message: "metadata key \(reserved.key) uses the prefix \(Metadata.reservedPrefix), which is reserved for ZRPC"
            )
        }
        let perMethod = configuration.methodTimeouts.isEmpty ? nil : configuration.methodTimeouts[method.fullName]
        let timeout = options.timeout ?? perMethod ?? configuration.defaultTimeout
        let deadline = CallDeadline.effective(timeout: timeout)
        let call = ClientRequest(
            method: method,
            payload: payload,
            metadata: options.metadata,
            deadline: deadline,
            attempt: 1,
            idempotencyKey: options.idempotencyKey ?? ""
        )
        if let interceptorChain { return try await interceptorChain(call) }
        return try await Self.send(call, loop: loop, callIDs: callIDs)
    }

    /// The end of the interceptor chain: one attempt over the wire. The call id is taken only
    /// once the call will be sent; an id whose request cannot be encoded is reported to the loop,
    /// so every id reaches it (see ``EarlyCancels``).
    @inline(__always)
    nonisolated(nonsending) private static func send(_ request: ClientRequest, loop: IOLoop<ClientDriver>, callIDs: CallIDGenerator) async throws -> ClientResponse {
        let remaining = ContinuousClock.now.duration(to: request.deadline)
        guard remaining > .zero else {
            throw RPCError(code: .deadlineExceeded, message: "the deadline passed before the call was sent")
        }
        let callID = callIDs.next()
        let header = Zrpc_Wire_Header(
            kind: .request(
                .init(
                    callID: callID,
                    service: request.method.service,
                    method: request.method.method,
                    timeoutMicros: max(WireFormat.micros(remaining), 1),
                    metadata: WireFormat.entries(request.metadata),
                    idempotencyKey: request.idempotencyKey,
                    attempt: request.attempt
                )
            )
        )
        let headerFrame: Frame
        do {
            headerFrame = try header.packedFrame()
        } catch {
            loop.submit(.skip(callID))
            throw error
        }
        let response = try await withTaskCancellationHandler {
            // Unchecked: the driver resumes each call once (see ClientDriver.Call), and a checked
            // continuation would cost an allocation per call.
            try await withUnsafeThrowingContinuation { continuation in
                loop.submit(.start(.init(
                    id: callID,
                    header: headerFrame,
                    payload: request.payload.frame,
                    deadline: request.deadline,
                    continuation: continuation
                )))
            }
        } onCancel: {
            loop.submit(.cancel(callID))
        }
        let metadata = WireFormat.metadata(response.header.metadata)
        guard response.header.statusCode == 0 else {
            let retryAfter = response.header.retryAfterMicros > 0
                ? Duration.microseconds(Int64(clamping: response.header.retryAfterMicros)) : nil
            throw RPCError(
                code: .init(rawValue: response.header.statusCode),
                message: response.header.statusMessage,
                metadata: metadata,
                retryAfter: retryAfter
            )
        }
        return ClientResponse(payload: SerializedMessage(frame: response.payload), metadata: metadata)
    }
}
