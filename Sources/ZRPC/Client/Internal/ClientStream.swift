internal import ZeroMQ

/// The client's side of a streaming call, as its I/O thread sees it: the inbox the server's
/// messages go to, the credit its writer spends, and the header in front of each message it sends.
struct ClientStream: Sendable {
    let io: StreamIO
    /// The same for every message of the call.
    let messageHeader: Frame

    /// The server ended the call with `header`: the reader gets the messages received so far, then
    /// the end (OK) or the status as an error; the writer is refused from now on.
    func end(with header: Zrpc_Wire_ResponseHeader) {
        let metadata = WireFormat.metadata(header.metadata)
        let error = WireStatus.error(from: header, metadata: metadata)
        io.inbox.finish(error)
        io.credit.close(error ?? RPCError(code: .failedPrecondition, message: "the call has ended"))
    }
}
