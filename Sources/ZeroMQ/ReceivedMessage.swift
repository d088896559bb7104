internal import CZeroMQ

/// A message just received, read in place in the socket's reusable buffers.
///
/// Given to the body of ``Socket/receiveMessage(dontWait:maxFrames:_:)``, valid only during it.
/// Read frames where they are (``withUnsafeBytes(at:_:)``) and turn only the ones to keep into
/// ``Frame``s (``frame(at:)``): a protocol's delimiter, signature or header frames then cost no
/// allocation at all.
///
/// ```swift
/// try router.receiveMessage(dontWait: true, maxFrames: 8) { message in
///     guard message.count == 3, message.isEmpty(at: 1) else { return }
///     reply(to: message.frame(at: 0), body: message.frame(at: 2))
/// }
/// ```
public struct ReceivedMessage: ~Copyable {
    private let parts: UnsafeMutablePointer<zmq_msg_t>
    /// The number of frames.
    public let count: Int

    init(parts: UnsafeMutablePointer<zmq_msg_t>, count: Int) {
        self.parts = parts
        self.count = count
    }

    /// The length in bytes of the frame at `index`.
    ///
    /// - Parameter index: A frame index, below ``count``.
    public func size(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "frame index \(index) out of range 0..<\(count)")
        return zmq_msg_size(parts + index)
    }

    /// Whether the frame at `index` has no bytes.
    ///
    /// - Parameter index: A frame index, below ``count``.
    public func isEmpty(at index: Int) -> Bool {
        size(at: index) == 0
    }

    /// Calls `body` with the bytes of the frame at `index`, in place (valid only during `body`).
    ///
    /// - Parameters:
    ///   - index: A frame index, below ``count``.
    ///   - body: Reads the bytes.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<Result>(
        at index: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        precondition(index >= 0 && index < count, "frame index \(index) out of range 0..<\(count)")
        let part = parts + index
        return try body(UnsafeRawBufferPointer(start: zmq_msg_data(part), count: zmq_msg_size(part)))
    }

    /// A metadata property libzmq attached to the frame at `index` (see ``Frame/metadata(_:)``), read in
    /// place; `nil` if there is none. `"User-Id"` is what the ZAP handler answered for the peer.
    ///
    /// ```swift
    /// let user = message.metadata("User-Id", at: message.count - 1)
    /// ```
    ///
    /// - Parameters:
    ///   - property: The property name (case-insensitive).
    ///   - index: A frame index, below ``count``.
    /// - Returns: The value, or `nil`.
    public func metadata(_ property: String, at index: Int) -> String? {
        precondition(index >= 0 && index < count, "frame index \(index) out of range 0..<\(count)")
        guard let value = zmq_msg_gets(parts + index, property) else { return nil }
        return String(validatingCString: value)
    }

    /// Every part as a ``Frame``, each moved out of the socket's buffers.
    func frames() -> [Frame] {
        (0..<count).map { frame(at: $0) }
    }

    /// The frame at `index` as a ``Frame`` that outlives the message, without copying its bytes
    /// (libzmq's buffer moves into the frame). Ask for each index once: the part is empty after.
    ///
    /// - Parameter index: A frame index, below ``count``.
    /// - Returns: The frame.
    public func frame(at index: Int) -> Frame {
        precondition(index >= 0 && index < count, "frame index \(index) out of range 0..<\(count)")
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(message)
        zmq_msg_move(message, parts + index)
        return Frame(owning: message)
    }
}

extension Socket {
    /// Receives one message into the socket's reusable buffers and calls `body` to read it in place.
    ///
    /// Cheaper than ``receive(dontWait:maxFrames:)`` when only some frames are kept: frames are not
    /// allocated unless `body` asks (``ReceivedMessage/frame(at:)``). A message with more than
    /// `maxFrames` frames is discarded, and the call throws `messageTooLarge`.
    ///
    /// libzmq hands over a message only once all of it has arrived, one frame per read, so dropping a
    /// message of millions of frames takes a quarter of a second or more. With `dontWait` the socket drops
    /// at most 16,384 of them per call (a few milliseconds) and returns `nil` while more remain, with
    /// ``mayHaveUnannouncedEvents`` set, so a loop serving several sockets and timers gets a turn between
    /// slices. After a long message is dropped, the memory libzmq held for it is returned to the system.
    ///
    /// ```swift
    /// while let handled = try socket.receiveMessage(dontWait: true, maxFrames: 8, { serve($0) }) {
    ///     count += handled
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - dontWait: Return `nil` instead of blocking when no message is queued.
    ///   - maxFrames: The most frames accepted in one message (at least 1).
    ///   - body: Reads the message.
    /// - Returns: What `body` returned, or `nil` when no message arrived because of `dontWait` or
    ///   ``SocketOption/receiveTimeout``.
    /// - Throws: ``ZMQError`` (`messageTooLarge` for too many frames, `contextTerminated`, `notSocket`, ...),
    ///   or what `body` throws.
    public func receiveMessage<Result>(
        dontWait: Bool = false,
        maxFrames: Int = 64,
        _ body: (borrowing ReceivedMessage) throws -> Result
    ) throws -> Result? {
        let handle = try openHandle("zmq_msg_recv")
        guard maxFrames >= 1 else {
            throw ZMQError.invalidArgument("maxFrames must be at least 1, not \(maxFrames)", operation: "zmq_msg_recv")
        }
        let parts = receiveParts(capacity: maxFrames)
        let received = try receiveParts(parts, maxFrames: maxFrames, handle, flags: dontWait ? ZMQ_DONTWAIT : 0)
        guard let received else { return nil }
        defer {
            // Release what body did not take and leave every part initialised and empty.
            for index in 0..<received {
                zmq_msg_close(parts + index)
                zmq_msg_init(parts + index)
            }
        }
        return try body(ReceivedMessage(parts: parts, count: received))
    }

    /// Reads a whole message into `parts`; the number of frames, or nil when nothing was waiting.
    /// On any error the parts read so far are released.
    func receiveParts(
        _ parts: UnsafeMutablePointer<zmq_msg_t>,
        maxFrames: Int,
        _ handle: UnsafeMutableRawPointer,
        flags: Int32
    ) throws(ZMQError) -> Int? {
        if oversizedMessageFramesDropped != nil {
            let ended = try discardOversizedFrames(
                handle,
                limit: flags & ZMQ_DONTWAIT != 0 ? Self.framesDroppedPerCall : nil
            )
            guard ended else {
                mayHaveUnannouncedEvents = true  // more of it is waiting: the caller's loop must come back
                return nil
            }
        }
        guard case .processed = try zmqCall("zmq_msg_recv", { zmq_msg_recv(parts, handle, flags) }) else {
            mayHaveUnannouncedEvents = false
            return nil
        }
        mayHaveUnannouncedEvents = true
        var count = 1
        do throws(ZMQError) {
            while zmq_msg_more(parts + count - 1) != 0 {
                guard count < maxFrames else {
                    oversizedMessageFramesDropped = count  // the parts read so far are released below
                    let limit = flags & ZMQ_DONTWAIT != 0 ? Self.framesDroppedPerCall : nil
                    _ = try discardOversizedFrames(handle, limit: limit)
                    throw ZMQError(
                        code: .messageTooLarge,
                        message: "message has more than \(maxFrames) frames; it is discarded",
                        operation: "zmq_msg_recv"
                    )
                }
                // The rest of a message is delivered with its first frame, so it is already here.
                let next = try zmqCall("zmq_msg_recv") { zmq_msg_recv(parts + count, handle, ZMQ_DONTWAIT) }
                guard case .processed = next else {
                    throw ZMQError(
                        code: .wouldBlock,
                        message: "multipart message ended after \(count) frames",
                        operation: "zmq_msg_recv"
                    )
                }
                count += 1
            }
        } catch {
            for index in 0..<count {
                zmq_msg_close(parts + index)
                zmq_msg_init(parts + index)
            }
            throw error
        }
        return count
    }
}
