public import ProtobufC
internal import ZeroMQ

extension Client {
    /// Calls a server-streaming method: sends `request`, and runs `body` with the stream of
    /// responses.
    ///
    /// ```swift
    /// let total = try await client.serverStreaming(Shop_Orders.Method.List.descriptor, request: query) {
    ///     (orders: MessageStream<Shop_Order>) in
    ///     try await orders.reduce(0) { $0 + $1.amount }
    /// }
    /// ```
    ///
    /// The call's deadline covers the whole stream. Returning from `body` before the stream has
    /// ended cancels the call (the server's handler is cancelled); cancelling the task does too.
    ///
    /// - Parameters:
    ///   - method: The method's descriptor.
    ///   - request: The request message.
    ///   - options: Timeout, metadata, idempotency key.
    ///   - responseType: The response message type.
    ///   - body: Reads the responses; what it returns is returned.
    /// - Returns: What `body` returned.
    /// - Throws: ``RPCError`` (the server's status, DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE), or
    ///   what `body` threw.
    nonisolated(nonsending) public func serverStreaming<Request: ProtobufMessage, Response: ProtobufMessage, Result>(
        _ method: MethodDescriptor,
        request: Request,
        options: CallOptions = .defaults,
        responseType: Response.Type = Response.self,
        _ body: (MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        let payload = try Self.encode(request)
        let limits = configuration.decodingLimits
        return try await stream(method, options: options) { io in
            try await io.write(payload)
            io.finishWriting()
            return try await body(MessageStream(inbox: io.inbox, limits: limits, decodeFailure: .internal))
        }
    }

    /// Calls a client-streaming method: runs `body` to write the requests, then returns the
    /// server's one response.
    ///
    /// ```swift
    /// let summary = try await client.clientStreaming(Shop_Orders.Method.Import.descriptor, responseType: Shop_Summary.self) {
    ///     (writer: MessageWriter<Shop_Order>) in
    ///     try await writer.write(contentsOf: orders)
    /// }
    /// ```
    ///
    /// The requests are complete (the client half-closes) when `body` returns.
    ///
    /// - Parameters:
    ///   - method: The method's descriptor.
    ///   - options: Timeout, metadata, idempotency key.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - body: Writes the requests.
    /// - Returns: The response message.
    /// - Throws: ``RPCError`` (the server's status, DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE,
    ///   INTERNAL when the server sent no response or more than one), or what `body` threw.
    nonisolated(nonsending) public func clientStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        options: CallOptions = .defaults,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        _ body: (MessageWriter<Request>) async throws -> Void
    ) async throws -> Response {
        let limits = configuration.decodingLimits
        return try await stream(method, options: options) { io in
            try await body(MessageWriter(io))
            io.finishWriting()
            var responses = MessageStream<Response>(inbox: io.inbox, limits: limits, decodeFailure: .internal)
                .makeAsyncIterator()
            guard let response = try await responses.next() else {
                throw RPCError(code: .internal, message: "the server ended \(method) without a response")
            }
            guard try await responses.next() == nil else {
                throw RPCError(code: .internal, message: "the server sent more than one response to \(method)")
            }
            return response
        }
    }

    /// Calls a bidirectional-streaming method: runs `body` with a writer for the requests and the
    /// stream of responses.
    ///
    /// ```swift
    /// try await client.bidirectionalStreaming(Chat_Room.Method.Talk.descriptor, requestType: Chat_Line.self) {
    ///     (lines: MessageWriter<Chat_Line>, replies: MessageStream<Chat_Line>) in
    ///     try await lines.write(Chat_Line(text: "hello"))
    ///     lines.finish()
    ///     for try await reply in replies { print(reply.text) }
    /// }
    /// ```
    ///
    /// The requests are complete when `body` calls ``MessageWriter/finish()`` or returns.
    /// Returning before the responses have ended cancels the call.
    ///
    /// - Parameters:
    ///   - method: The method's descriptor.
    ///   - options: Timeout, metadata, idempotency key.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - body: Writes requests and reads responses; what it returns is returned.
    /// - Returns: What `body` returned.
    /// - Throws: ``RPCError`` (the server's status, DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE), or
    ///   what `body` threw.
    nonisolated(nonsending) public func bidirectionalStreaming<
        Request: ProtobufMessage,
        Response: ProtobufMessage,
        Result
    >(
        _ method: MethodDescriptor,
        options: CallOptions = .defaults,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        _ body: (MessageWriter<Request>, MessageStream<Response>) async throws -> Result
    ) async throws -> Result {
        let limits = configuration.decodingLimits
        return try await stream(method, options: options) { io in
            let result = try await body(
                MessageWriter(io),
                MessageStream(inbox: io.inbox, limits: limits, decodeFailure: .internal)
            )
            io.finishWriting()
            return result
        }
    }

    /// The untyped part of a streaming call: runs the interceptors and the transport in a child
    /// task for the life of the stream, and `body` in the caller's task once the stream is open.
    /// When `body` returns, the call is over: awaited when the server has ended the stream,
    /// cancelled otherwise.
    nonisolated(nonsending) func stream<Result>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (StreamIO) async throws -> Result
    ) async throws -> Result {
        let hook = StreamHook(window: configuration.streamWindow)
        var request = ClientRequest(
            method: method,
            payload: SerializedMessage(),
            metadata: options.metadata,
            deadline: try deadline(for: method, options: options),
            attempt: 1,
            idempotencyKey: options.idempotencyKey ?? Self.idempotencyKey(for: method),
            peer: peer
        )
        request.stream = hook
        let call: @Sendable () async throws -> ClientResponse = { [request] in try await self.runChain(request) }
        return try await withThrowingTaskGroup(of: ClientResponse.self) { group in
            group.addTask {
                do {
                    let response = try await call()
                    hook.fail(
                        RPCError(
                            code: .internal,
                            message: "an interceptor answered \(method) without opening its stream"
                        )
                    )
                    return response
                } catch {
                    hook.fail(error)
                    throw error
                }
            }
            let io = try await hook.stream()
            let result: Result
            do {
                result = try await body(io)
            } catch {
                group.cancelAll()
                _ = try? await group.next()
                throw error
            }
            let ended = io.inbox.hasEnded
            if !ended { group.cancelAll() }  // the caller stopped reading before the end: cancel
            do {
                _ = try await group.next()
            } catch  where !ended {
                // The call was cancelled because the caller was done with it.
            }
            return result
        }
    }

    /// The interceptors, then the transport (or the in-process server).
    private func runChain(_ request: ClientRequest) async throws -> ClientResponse {
        if let interceptorChain { return try await interceptorChain(request) }
        return try await Self.transport(
            request,
            declared: declared,
            inProcess: inProcess,
            connection: connection,
            callIDs: callIDs
        )
    }

    /// The end of the interceptor chain for a streaming call: opens the stream on the wire, hands
    /// it to the caller, and returns when the server has ended it.
    static func sendStream(
        _ request: ClientRequest,
        hook: StreamHook,
        connection: ClientConnection,
        callIDs: CallIDGenerator
    ) async throws -> ClientResponse {
        guard hook.claim() else {
            throw RPCError(
                code: .failedPrecondition,
                message: "a streaming call cannot be sent twice (retried or hedged)"
            )
        }
        let running = try connection.loopIfRunning()
        let loop = if let running { running } else { try await connection.loop(deadline: request.deadline) }
        let remaining = ContinuousClock.now.duration(to: request.deadline)
        guard remaining > .zero else {
            throw RPCError(code: .deadlineExceeded, message: "the deadline passed before the call was sent")
        }
        let window = hook.window
        let callID = callIDs.next()
        let header: Frame
        let messageHeader: Frame
        do {
            header = try WireHeaders.request(
                callID: callID,
                method: request.method,
                remaining: remaining,
                request: request,
                streamWindow: UInt32(clamping: window)
            )
            messageHeader = try WireHeaders.streamMessage(callID: callID)
        } catch {
            loop.submit(.skip(callID))
            throw error
        }
        let io = StreamIO(
            inbox: StreamInbox(window: window) { loop.submit(.grant(callID, $0)) },
            credit: StreamCredit(initial: WireFormat.initialStreamCredit),
            send: { loop.submit(.streamMessage(callID, $0)) },
            sendEnd: { loop.submit(.streamEnd(callID)) }
        )
        let response = try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                loop.submit(
                    .start(
                        .init(
                            id: callID,
                            header: header,
                            payload: Frame(),
                            deadline: request.deadline,
                            continuation: continuation,
                            stream: ClientStream(io: io, messageHeader: messageHeader)
                        )
                    )
                )
                hook.open(io)
            }
        } onCancel: {
            loop.submit(.cancel(callID))
        }
        let metadata = WireFormat.metadata(response.header.metadata)
        if let error = WireStatus.error(from: response.header, metadata: metadata) { throw error }
        return ClientResponse(payload: SerializedMessage(), metadata: metadata)
    }

    /// Encodes a request; a failure is INVALID_ARGUMENT.
    private static func encode(_ request: some ProtobufMessage) throws -> SerializedMessage {
        do {
            return try SerializedMessage(request)
        } catch {
            throw RPCError(code: .invalidArgument, message: "the request could not be encoded: \(error)", cause: error)
        }
    }
}
