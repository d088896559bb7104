internal import CZeroMQ

/// One frame (message part) of a ZeroMQ message, owning a libzmq `zmq_msg_t`.
///
/// Frames are immutable and can be shared between threads. Reading (``withUnsafeBytes(_:)``) works in place
/// on libzmq's buffer; sending sends a copy of the `zmq_msg_t` (a reference-count increment for large
/// frames, a copy of at most 33 bytes for small ones), so the same frame can be sent many times, to many
/// sockets, from many threads.
///
/// ```swift
/// let header = try Frame("ZRPC01")
/// let payload = try Frame(size: 128) { buffer in
///     // encode straight into libzmq's buffer
///     buffer.initializeMemory(as: UInt8.self, repeating: 0)
/// }
/// try socket.send([header, payload])
/// ```
///
/// `@unchecked Sendable`: after initialisation nothing mutates the `zmq_msg_t` except libzmq's own atomic
/// reference count. Every initialiser marks the message shared (one `zmq_msg_copy` then close) before the
/// frame is published, so later copies, from any thread, only increment that atomic count; the message is
/// closed exactly once, in `deinit`.
public final class Frame: @unchecked Sendable {
    /// The owned message, heap-allocated so its address is stable; closed and freed in `deinit`.
    let message: UnsafeMutablePointer<zmq_msg_t>

    /// Takes ownership of an initialised message and marks it shared (see the type's documentation).
    init(owning message: UnsafeMutablePointer<zmq_msg_t>) {
        self.message = message
        Frame.markShared(message)
    }

    /// Creates an empty (zero-length) frame, as used for delimiters.
    ///
    /// ```swift
    /// try socket.send([Frame(), try Frame("payload")])
    /// ```
    public convenience init() {
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(message)
        self.init(owning: message)
    }

    /// Creates a frame of `size` bytes and lets `fill` write them in place, with no extra copy.
    ///
    /// This is how encoders (protobuf) pack straight into the outgoing `zmq_msg_t`. Bytes `fill` leaves
    /// unwritten are unspecified.
    ///
    /// ```swift
    /// let frame = try Frame(size: 4) { buffer in
    ///     buffer.copyBytes(from: [1, 2, 3, 4])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - size: The frame's length in bytes.
    ///   - fill: Writes the frame's content into a buffer of exactly `size` bytes.
    /// - Throws: ``ZMQError`` (`invalidArgument` for a negative size, `outOfMemory` if libzmq cannot
    ///   allocate), or what `fill` throws.
    public convenience init(size: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let message = try Frame.allocateMessage(size: size)
        do {
            try fill(UnsafeMutableRawBufferPointer(start: zmq_msg_data(message), count: size))
        } catch {
            Frame.destroy(message)
            throw error
        }
        self.init(owning: message)
    }

    /// Creates a frame holding a copy of `bytes`.
    ///
    /// ```swift
    /// let frame = try Frame(bytes: [0x01, 0x02])
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The content.
    /// - Throws: ``ZMQError`` with `outOfMemory` if libzmq cannot allocate the frame.
    public convenience init(bytes: some Collection<UInt8>) throws(ZMQError) {
        let count = bytes.count
        let message = try Frame.allocateMessage(size: count)
        let buffer = UnsafeMutableRawBufferPointer(start: zmq_msg_data(message), count: count)
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(source))
        }
        if copied == nil {
            buffer.copyBytes(from: bytes)
        }
        self.init(owning: message)
    }

    /// Creates a frame holding the UTF-8 bytes of `string` (no terminating NUL).
    ///
    /// ```swift
    /// let frame = try Frame("hello")
    /// ```
    ///
    /// - Parameters:
    ///   - string: The content.
    /// - Throws: ``ZMQError`` with `outOfMemory` if libzmq cannot allocate the frame.
    public convenience init(_ string: String) throws(ZMQError) {
        try self.init(bytes: string.utf8)
    }

    deinit {
        Frame.destroy(message)
    }

    /// The frame's length in bytes.
    public var count: Int {
        zmq_msg_size(message)
    }

    /// Whether the frame has no bytes (for example the delimiter between routing ids and content).
    public var isEmpty: Bool {
        count == 0
    }

    /// Calls `body` with the frame's bytes, in place in libzmq's buffer (no copy).
    ///
    /// The buffer is valid only during `body` and must not be written to.
    ///
    /// ```swift
    /// let first = frame.withUnsafeBytes { $0.first }
    /// ```
    ///
    /// - Parameters:
    ///   - body: Reads the bytes.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let buffer = UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message))
        return try body(buffer)
    }

    /// A copy of the frame's bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The frame's bytes as a string, or `nil` if they are not valid UTF-8.
    public var string: String? {
        withUnsafeBytes { String(validating: $0, as: UTF8.self) }
    }

    /// A metadata property libzmq attached to a received frame, or `nil` if there is none.
    ///
    /// Properties include `"Socket-Type"`, `"Routing-Id"`, `"Peer-Address"` and, with a ZAP handler,
    /// `"User-Id"` (see `zmq_msg_gets`). Frames created locally have no properties.
    ///
    /// ```swift
    /// let peer = frame.metadata("Peer-Address")
    /// ```
    ///
    /// - Parameters:
    ///   - property: The property name (case-insensitive).
    /// - Returns: The value, or `nil`.
    public func metadata(_ property: String) -> String? {
        guard let value = zmq_msg_gets(message, property) else { return nil }
        return String(validatingCString: value)
    }

    // MARK: - Message storage

    /// Allocates and initialises a message of `size` bytes; the caller owns it.
    static func allocateMessage(size: Int) throws(ZMQError) -> UnsafeMutablePointer<zmq_msg_t> {
        guard size >= 0 else {
            throw .invalidArgument("a frame cannot have \(size) bytes", operation: "zmq_msg_init_size(\(size))")
        }
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        do {
            try zmqCompletingCall("zmq_msg_init_size(\(size))") { zmq_msg_init_size(message, size) }
        } catch {
            // A failed zmq_msg_init_size leaves the message unusable; re-initialise it empty before freeing.
            zmq_msg_init(message)
            destroy(message)
            throw error
        }
        return message
    }

    /// Closes and deallocates a message.
    static func destroy(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        zmq_msg_close(message)
        message.deallocate()
    }

    /// Turns a long message into a shared one, so that later `zmq_msg_copy` calls only touch libzmq's
    /// atomic reference count (the first copy of an unshared message writes its flags non-atomically).
    static func markShared(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        withUnsafeTemporaryAllocation(of: zmq_msg_t.self, capacity: 1) { scratch in
            guard let copy = scratch.baseAddress else { return }
            zmq_msg_init(copy)
            zmq_msg_copy(copy, message)
            zmq_msg_close(copy)
        }
    }
}

extension Frame: Equatable {
    /// Frames are equal when their bytes are equal.
    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in left.elementsEqual(right) } }
    }
}

extension Frame: CustomStringConvertible {
    /// The length and a short preview: text when the bytes are printable UTF-8, hexadecimal otherwise.
    public var description: String {
        withUnsafeBytes { bytes in
            let limit = 32
            let prefix = bytes.prefix(limit)
            let ellipsis = bytes.count > limit ? "…" : ""
            if let text = String(validating: prefix, as: UTF8.self),
                text.unicodeScalars.allSatisfy({ $0 == "\n" || $0.properties.generalCategory != .control })
            {
                return "Frame(\(bytes.count) bytes: \"\(text)\(ellipsis)\")"
            }
            let hex = prefix.map { byte in
                let digits = String(byte, radix: 16)
                return byte < 16 ? "0" + digits : digits
            }
            return "Frame(\(bytes.count) bytes: \(hex.joined())\(ellipsis))"
        }
    }
}
