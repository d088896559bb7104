extension InProcessServer {
    /// Serves one streaming call in this process: the client's and the handler's sides are linked
    /// directly, with the same credit windows as over the wire, the call's deadline and the
    /// caller's cancellation.
    func stream(_ request: ClientRequest, hook: StreamHook) async throws -> ClientResponse {
        guard hook.claim() else {
            throw RPCError(
                code: .failedPrecondition,
                message: "a streaming call cannot be sent twice (retried or hedged)"
            )
        }
        let handler = try handler(for: request)
        guard handler.kind.isStreaming else {
            throw RPCError(code: .invalidArgument, message: "\(handler.method) is unary: send a request, not a stream")
        }
        let (context, deadline) = try context(for: request, method: handler.method)
        let serverWindow = max(configuration.streamWindow, WireFormat.initialStreamCredit)
        let clientCredit = StreamCredit(initial: serverWindow)
        let serverCredit = StreamCredit(initial: hook.window)
        let serverInbox = StreamInbox(window: serverWindow) { clientCredit.add($0) }
        let clientInbox = StreamInbox(window: hook.window) { serverCredit.add($0) }
        let client = StreamIO(
            inbox: clientInbox,
            credit: clientCredit,
            send: { _ = serverInbox.push($0) },
            sendEnd: { serverInbox.finish() }
        )
        let server = StreamIO(inbox: serverInbox, credit: serverCredit, send: { _ = clientInbox.push($0) }, sendEnd: {})
        hook.open(client)
        do {
            _ = try await run(
                ServerRequest(payload: SerializedMessage(), context: context, handler: handler, stream: server),
                until: deadline
            )
        } catch {
            let status = error as? RPCError ?? RPCError(code: .unknown, message: "\(error)")
            for io in [client, server] {
                io.inbox.finish(status)
                io.credit.close(status)
            }
            throw error
        }
        let ended = RPCError(code: .failedPrecondition, message: "the call has ended")
        clientInbox.finish()
        for io in [client, server] { io.credit.close(ended) }
        serverInbox.finish(ended)
        return ClientResponse(payload: SerializedMessage(), metadata: context.responseTrailers)
    }
}
