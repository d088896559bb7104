/// An error from encoding or decoding a protobuf message.
///
/// The ``code`` says what kind of failure it was; ``message`` says what went wrong in words a
/// person can act on, and ``messageType`` names the protobuf type involved. Decoding untrusted
/// input never traps: every failure is one of these.
///
/// ```swift
/// do {
///     _ = try EchoRequest(serializedBytes: bytes)
/// } catch let error as ProtobufCError where error.code == .allocationBudgetExceeded {
///     print("hostile input: \(error)")
/// }
/// ```
public struct ProtobufCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable short name for logs and metrics.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The bytes are not a valid encoding of the message type (protobuf-c rejected them).
        public static let malformed = Code("malformed")
        /// The input is larger than ``DecodingLimits/maxMessageBytes``.
        public static let tooLarge = Code("too large")
        /// Decoding needed more memory than ``DecodingLimits/allocationBudget`` allows.
        public static let allocationBudgetExceeded = Code("allocation budget exceeded")
        /// Messages are nested deeper than ``DecodingLimits/maxNestingDepth``.
        public static let nestingTooDeep = Code("nesting too deep")
        /// A string field holds bytes that are not valid UTF-8.
        public static let invalidUTF8 = Code("invalid UTF-8")
        /// A string field holds a NUL character, which protobuf-c's C strings cannot carry.
        public static let embeddedNUL = Code("embedded NUL")
        /// The caller's output buffer is smaller than the packed message.
        public static let bufferTooSmall = Code("buffer too small")

        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for people.
    public var message: String
    /// The full protobuf name of the message type involved, e.g. `echo.EchoRequest`.
    public var messageType: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong.
    ///   - messageType: The full protobuf name of the message type.
    public init(code: Code, message: String, messageType: String) {
        self.code = code
        self.message = message
        self.messageType = messageType
    }

    public var description: String {
        "\(messageType): \(code): \(message)"
    }

    /// The error with its message type filled in, when the code that threw did not know it.
    @usableFromInline
    func naming(_ descriptor: MessageDescriptor) -> ProtobufCError {
        guard messageType.isEmpty else { return self }
        var named = self
        named.messageType = descriptor.fullName
        return named
    }
}
