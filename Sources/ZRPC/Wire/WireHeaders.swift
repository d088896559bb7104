internal import ZeroMQ

/// Every header frame ZRPC sends, built and packed in one place (docs/PROTOCOL.md describes them).
enum WireHeaders {
    /// A request: the call's id, method, remaining time (at least 1 µs, since 0 means "not given"),
    /// metadata, idempotency key and attempt; for a stream, the client's receive window.
    static func request(
        callID: UInt64,
        method: MethodDescriptor,
        remaining: Duration,
        request: ClientRequest,
        streamWindow: UInt32 = 0
    ) throws -> Frame {
        let header = Zrpc_Wire_RequestHeader(
            callID: callID,
            service: method.service,
            method: method.method,
            timeoutMicros: max(WireFormat.micros(remaining), 1),
            metadata: WireFormat.entries(request.metadata),
            idempotencyKey: request.idempotencyKey,
            attempt: request.attempt,
            streamWindow: streamWindow
        )
        return try Zrpc_Wire_Header(kind: .request(header)).packedFrame()
    }

    /// A successful response carrying `trailers`.
    static func success(callID: UInt64, trailers: Metadata) throws -> Frame {
        try Zrpc_Wire_Header(
            kind: .response(Zrpc_Wire_ResponseHeader(callID: callID, metadata: WireFormat.entries(trailers)))
        ).packedFrame()
    }

    /// A failed call's response: `error` mapped by ``WireStatus``, after `trailers`.
    static func failure(callID: UInt64, error: RPCError, trailers: Metadata = [:]) throws -> Frame {
        try Zrpc_Wire_Header(kind: .response(WireStatus.header(callID: callID, error: error, trailers: trailers)))
            .packedFrame()
    }

    /// The client gave up on a call.
    static func cancel(callID: UInt64) throws -> Frame {
        try Zrpc_Wire_Header(kind: .cancel(.init(callID: callID))).packedFrame()
    }

    /// The header in front of each message of a stream (the same for every message of a call).
    static func streamMessage(callID: UInt64) throws -> Frame {
        try Zrpc_Wire_Header(kind: .streamMessage(.init(callID: callID))).packedFrame()
    }

    /// The client's half-close: no more stream messages follow.
    static func streamEnd(callID: UInt64) throws -> Frame {
        try Zrpc_Wire_Header(kind: .streamEnd(.init(callID: callID))).packedFrame()
    }

    /// A stream's reader grants its sender `messages` more.
    static func credit(callID: UInt64, messages: Int) throws -> Frame {
        try Zrpc_Wire_Header(kind: .credit(.init(callID: callID, messages: UInt32(clamping: messages)))).packedFrame()
    }

    /// A liveness probe.
    static func ping(nonce: UInt64) throws -> Frame {
        try Zrpc_Wire_Header(kind: .ping(.init(nonce: nonce))).packedFrame()
    }

    /// The answer to a probe.
    static func pong(nonce: UInt64) throws -> Frame {
        try Zrpc_Wire_Header(kind: .pong(.init(nonce: nonce))).packedFrame()
    }
}
