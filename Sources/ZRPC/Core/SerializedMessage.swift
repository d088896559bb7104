public import ProtobufC
internal import ZeroMQ

/// A protobuf message in its encoded form: what interceptors see and the transport carries.
///
/// It holds the bytes where protobuf-c packed them or where the transport received them, with no
/// copy. Interceptors work on it so that one interceptor (retry, breaker, cache, logging) serves
/// every method; they rarely look inside.
///
/// ```swift
/// let payload = try SerializedMessage(Echo_EchoRequest(text: "hi"))
/// print(payload.count)                                   // encoded size in bytes
/// let back = try payload.decode(as: Echo_EchoRequest.self)
/// ```
public struct SerializedMessage: Sendable, CustomStringConvertible {
    /// The transport's buffer (a ZeroMQ frame), typed loosely so inlinable code can carry it.
    @usableFromInline let storage: any AnyObject & Sendable

    init(frame: Frame) {
        storage = frame
    }

    /// The transport's buffer.
    var frame: Frame { unsafeDowncast(storage, to: Frame.self) }

    /// An empty message (the encoding of a message with every field at its default).
    public init() {
        self.init(frame: Frame())
    }

    /// A message holding a copy of `bytes`.
    ///
    /// - Parameter bytes: Encoded protobuf bytes.
    /// - Throws: ``RPCError`` (`RESOURCE_EXHAUSTED`) when the buffer cannot be allocated.
    public init(bytes: some Collection<UInt8>) throws {
        do {
            self.init(frame: try Frame(bytes: bytes))
        } catch {
            throw RPCError(
                code: .resourceExhausted,
                message: "could not allocate \(bytes.count) bytes for a message",
                cause: error
            )
        }
    }

    /// Encodes `message`: protobuf-c packs it straight into the buffer the transport sends.
    ///
    /// - Parameter message: The message to encode.
    /// - Throws: ``ProtobufC/ProtobufCError`` when a string holds a NUL (which protobuf-c cannot
    ///   encode), ``RPCError`` when the buffer cannot be allocated.
    @inlinable
    public init(_ message: some ProtobufMessage) throws {
        self = try message.withPacked { packed in try SerializedMessage(packed: packed) }
    }

    @usableFromInline
    init(packed: borrowing PackedMessage) throws {
        let size = packed.size
        do {
            self.init(frame: try Frame(size: size) { buffer in packed.pack(into: buffer) })
        } catch {
            throw RPCError(
                code: .resourceExhausted,
                message: "could not allocate \(size) bytes for a message",
                cause: error
            )
        }
    }

    /// Decodes the bytes as a `Message`, within `limits`.
    ///
    /// - Parameters:
    ///   - type: The message type.
    ///   - limits: Bounds for untrusted bytes.
    /// - Throws: ``ProtobufC/ProtobufCError`` when the bytes are not a valid `Message`.
    @inlinable
    public func decode<Message: ProtobufMessage>(
        as type: Message.Type = Message.self,
        limits: DecodingLimits = .defaults
    ) throws -> Message {
        var message: Message?
        try withBytes { message = try Message(serializedBytes: $0, limits: limits) }
        guard let message else { throw RPCError(code: .internal, message: "decoding produced no message") }
        return message
    }

    /// Runs `body` over the bytes (non-generic, so that inlinable callers need not know the storage).
    @usableFromInline
    func withBytes(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try frame.withUnsafeBytes(body)
    }

    /// The encoded size in bytes.
    public var count: Int { frame.count }

    /// A copy of the bytes.
    public var bytes: [UInt8] { frame.bytes }

    /// Runs `body` with the bytes in place; they are valid only during the call.
    ///
    /// - Parameter body: Reads the bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try frame.withUnsafeBytes(body)
    }

    /// The size, e.g. `SerializedMessage(42 bytes)`.
    public var description: String { "SerializedMessage(\(count) bytes)" }
}
