internal import Logging

/// Status codes and errors, both ways, in one place: what a server sends for an error, what a
/// client makes of a response header, and what a client sees for whatever a handler threw.
package enum WireStatus {
    /// The response header for a failed call: the error's code, message, `retryAfter`, and its
    /// metadata after `trailers`.
    static func header(callID: UInt64, error: RPCError, trailers: Metadata) -> Zrpc_Wire_ResponseHeader {
        var metadata = trailers
        for entry in error.metadata { metadata.append(entry.key, entry.value) }
        return Zrpc_Wire_ResponseHeader(
            callID: callID,
            statusCode: error.code.rawValue,
            statusMessage: error.message,
            metadata: WireFormat.entries(metadata),
            retryAfterMicros: error.retryAfter.map(WireFormat.micros) ?? 0
        )
    }

    /// The error a response header reports, or nil for OK (status 0).
    package static func error(from header: Zrpc_Wire_ResponseHeader, metadata: Metadata) -> RPCError? {
        guard header.statusCode != 0 else { return nil }
        let retryAfter =
            header.retryAfterMicros > 0 ? Duration.microseconds(Int64(clamping: header.retryAfterMicros)) : nil
        return RPCError(
            code: .init(rawValue: header.statusCode),
            message: header.statusMessage,
            metadata: metadata,
            retryAfter: retryAfter
        )
    }

    /// What a client sees for what a handler threw: its own ``RPCError``, CANCELLED, or UNKNOWN
    /// without details (the error's type goes to the log; its contents never leave the server).
    static func status(for error: any Error, method: MethodDescriptor, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case is CancellationError:
            return RPCError(code: .cancelled, message: "the call was cancelled")
        default:
            logger.error("handler failed", metadata: ["method": "\(method)", "error.type": "\(type(of: error))"])
            return RPCError(code: .unknown, message: "the handler of \(method) failed")
        }
    }
}
