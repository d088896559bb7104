public import ProtobufC

/// The messages of a stream, in order, as an `AsyncSequence`: a server-streaming or bidirectional
/// call's responses on the client, a client-streaming or bidirectional call's requests in the
/// handler.
///
/// ```swift
/// for try await reply in replies {
///     print(reply.text)
/// }
/// ```
///
/// Reading takes messages off the stream's bounded queue and grants the sender credit for more;
/// a task that stops reading stops the sender within the stream's window. The sequence ends when
/// the sender ends the stream cleanly, and throws ``RPCError`` when the call fails (the server's
/// status, DEADLINE_EXCEEDED, CANCELLED) or a message does not decode. Read it from one task at a
/// time.
public struct MessageStream<Message: ProtobufMessage>: AsyncSequence, Sendable {
    public typealias Element = Message

    private enum Source: Sendable {
        case transport(StreamInbox, DecodingLimits, decodeFailure: RPCError.Code)
        case sequence(AsyncThrowingStream<Message, any Error>)
    }

    private let source: Source

    /// A stream of the messages `messages` yields: for tests, and for mock clients and services.
    ///
    /// ```swift
    /// let requests = MessageStream(AsyncThrowingStream { continuation in
    ///     continuation.yield(Echo_EchoRequest(text: "a"))
    ///     continuation.finish()
    /// })
    /// ```
    ///
    /// - Parameter messages: The messages, in order; its error is the stream's error.
    public init(_ messages: AsyncThrowingStream<Message, any Error>) {
        source = .sequence(messages)
    }

    /// A stream over a call's inbox.
    ///
    /// - Parameter decodeFailure: The status a message that does not decode fails the stream with
    ///   (INVALID_ARGUMENT in a handler, INTERNAL in a client).
    init(inbox: StreamInbox, limits: DecodingLimits, decodeFailure: RPCError.Code) {
        source = .transport(inbox, limits, decodeFailure: decodeFailure)
    }

    /// Reads the stream's messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private enum Source {
            case transport(StreamInbox, DecodingLimits, decodeFailure: RPCError.Code)
            case sequence(AsyncThrowingStream<Message, any Error>.AsyncIterator)
        }

        private var source: Source

        fileprivate init(_ stream: MessageStream) {
            switch stream.source {
            case .transport(let inbox, let limits, let code): source = .transport(inbox, limits, decodeFailure: code)
            case .sequence(let messages): source = .sequence(messages.makeAsyncIterator())
            }
        }

        /// The next message, or nil once the stream ended cleanly.
        ///
        /// - Throws: ``RPCError``: the call's failure, or a message that does not decode.
        public mutating func next() async throws -> Message? {
            switch source {
            case .transport(let inbox, let limits, let code):
                guard let payload = try await inbox.next() else { return nil }
                do {
                    return try payload.decode(as: Message.self, limits: limits)
                } catch {
                    let name = Message.protobufCDescriptor.fullName
                    throw RPCError(
                        code: code,
                        message: "a stream message did not decode as \(name): \(MethodHandler.reason(error))",
                        cause: error
                    )
                }
            case .sequence(var iterator):
                defer { source = .sequence(iterator) }
                return try await iterator.next()
            }
        }
    }

    /// An iterator over the messages.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(self)
    }
}
