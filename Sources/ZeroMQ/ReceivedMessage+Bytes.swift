internal import CZeroMQ

extension ReceivedMessage {
    /// Builds a message from `frames`' bytes, as if a socket had just received it, and reads it
    /// with `body`: the parsers that take a ``ReceivedMessage`` run on any bytes without a socket
    /// (the fuzz targets in Fuzz/ and their regression tests). The bytes are copied into libzmq
    /// frames, which are released when `body` returns.
    ///
    /// ```swift
    /// let empty: [UInt8] = []
    /// let payload: [UInt8] = [1, 2, 3]
    /// try empty.withUnsafeBytes { delimiter in
    ///     try payload.withUnsafeBytes { bytes in
    ///         try ReceivedMessage.withFrames([delimiter, bytes]) { message in
    ///             assert(message.count == 2 && message.isEmpty(at: 0))
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - frames: The bytes of each frame, at least one frame.
    ///   - body: Reads the message.
    /// - Returns: What `body` returns.
    /// - Throws: ``ZMQError`` (`invalidArgument` for no frames, `outOfMemory` when libzmq cannot
    ///   allocate a frame), or what `body` throws.
    package static func withFrames<Result>(
        _ frames: [UnsafeRawBufferPointer],
        _ body: (borrowing ReceivedMessage) throws -> Result
    ) throws -> Result {
        guard !frames.isEmpty else {
            throw ZMQError.invalidArgument("a message has at least one frame", operation: "zmq_msg_init_size")
        }
        let parts = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: frames.count)
        var initialised = 0
        defer {
            for index in 0..<initialised { zmq_msg_close(parts + index) }
            parts.deallocate()
        }
        for bytes in frames {
            let part = parts + initialised
            try zmqCompletingCall("zmq_msg_init_size(\(bytes.count))") { zmq_msg_init_size(part, bytes.count) }
            initialised += 1
            if let source = bytes.baseAddress, !bytes.isEmpty {
                UnsafeMutableRawPointer(zmq_msg_data(part)).copyMemory(from: source, byteCount: bytes.count)
            }
        }
        return try body(ReceivedMessage(parts: parts, count: frames.count))
    }
}
