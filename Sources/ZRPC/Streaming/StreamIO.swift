/// One side of an open stream, untyped: where its reader's messages come from and where its
/// writer's go. The typed ``MessageStream`` and ``MessageWriter`` wrap it.
@usableFromInline
struct StreamIO: Sendable {
    /// What the peer sent, bounded by the credit this side grants.
    let inbox: StreamInbox
    /// What this side may still send.
    let credit: StreamCredit
    /// Hands a message to the transport (credit already taken).
    private let send: @Sendable (SerializedMessage) -> Void
    /// Tells the peer that no more messages follow (the client's half-close).
    private let sendEnd: @Sendable () -> Void

    init(
        inbox: StreamInbox,
        credit: StreamCredit,
        send: @escaping @Sendable (SerializedMessage) -> Void,
        sendEnd: @escaping @Sendable () -> Void
    ) {
        self.inbox = inbox
        self.credit = credit
        self.send = send
        self.sendEnd = sendEnd
    }

    /// Sends a message once the peer has granted credit for it.
    func write(_ message: SerializedMessage) async throws {
        try await credit.acquire()
        send(message)
    }

    /// Sends no more messages: later writes fail; the peer learns that the stream's messages are
    /// complete.
    func finishWriting() {
        credit.close(RPCError(code: .failedPrecondition, message: "the stream's writer was finished"))
        sendEnd()
    }
}
