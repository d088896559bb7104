/// A unary call's response message and the metadata (trailers) the server sent with it.
public struct UnaryResponse<Message: Sendable>: Sendable {
    /// The response message.
    public var message: Message
    /// The response metadata.
    public var trailers: Metadata

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - message: The response message.
    ///   - trailers: The response metadata.
    public init(message: Message, trailers: Metadata) {
        self.message = message
        self.trailers = trailers
    }
}
