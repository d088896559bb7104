public import ProtobufC

/// Sends the messages of a stream: a client-streaming or bidirectional call's requests on the
/// client, a server-streaming or bidirectional call's responses in the handler.
///
/// ```swift
/// for item in items {
///     try await writer.write(Shop_Item(name: item))
/// }
/// ```
///
/// Each message spends one credit of the receiver's window; with none left, ``write(_:)`` waits
/// until the receiver has read more, so a slow reader bounds the memory on both sides. Write from
/// one task at a time.
public struct MessageWriter<Message: ProtobufMessage>: Sendable {
    private let writeMessage: @Sendable (Message) async throws -> Void
    private let finishWriting: @Sendable () -> Void

    /// A writer that hands each message to `write`: for tests, and for mock clients and services.
    ///
    /// ```swift
    /// let (stream, continuation) = AsyncThrowingStream.makeStream(of: Echo_EchoReply.self)
    /// let writer = MessageWriter<Echo_EchoReply>({ continuation.yield($0) }, finish: { continuation.finish() })
    /// ```
    ///
    /// - Parameters:
    ///   - write: Takes each message written.
    ///   - finish: Called by ``finish()``.
    public init(
        _ write: @escaping @Sendable (Message) async throws -> Void,
        finish: @escaping @Sendable () -> Void = {}
    ) {
        self.writeMessage = write
        self.finishWriting = finish
    }

    /// A writer onto a call's stream.
    init(_ io: StreamIO) {
        self.writeMessage = { message in
            let payload: SerializedMessage
            do {
                payload = try SerializedMessage(message)
            } catch {
                throw RPCError(
                    code: .internal,
                    message: "a stream message could not be encoded: \(error)",
                    cause: error
                )
            }
            try await io.write(payload)
        }
        self.finishWriting = { io.finishWriting() }
    }

    /// Sends a message, waiting while the receiver's window is full.
    ///
    /// - Throws: ``RPCError``: CANCELLED or DEADLINE_EXCEEDED when the call ended that way,
    ///   FAILED_PRECONDITION after ``finish()`` or once the call is over.
    public func write(_ message: Message) async throws {
        try await writeMessage(message)
    }

    /// Sends the messages in order.
    ///
    /// - Throws: As ``write(_:)``.
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await writeMessage(message) }
    }

    /// Sends no more messages. On a client, tells the server the requests are complete (a
    /// half-close; the stub does it when your closure returns); in a handler, only refuses further
    /// writes (the stream ends when the handler returns).
    public func finish() {
        finishWriting()
    }
}
