internal import CZeroMQ

extension Socket {
    /// Sends a multipart message: every frame but the last with `ZMQ_SNDMORE`.
    ///
    /// The frames are not modified (each is sent as a `zmq_msg_copy`), so they can be sent again or shared.
    ///
    /// ```swift
    /// try dealer.send([Frame(), try Frame("ZRPC01"), header, payload])
    /// if try !publisher.send([topic, body], dontWait: true) {
    ///     dropped += 1
    /// }
    /// ```
    ///
    /// libzmq accepts a multipart message atomically: once the first frame is queued the others are too.
    /// Should a later frame still find the socket not ready, this waits for it (bounded by
    /// ``SocketOption/sendTimeout``) rather than leave half a message that the next send would extend.
    ///
    /// - Parameters:
    ///   - frames: The message; at least one frame.
    ///   - dontWait: Return `false` instead of blocking when the message cannot be queued now.
    /// - Returns: `true` when the message was queued; `false` when it was not because of `dontWait`
    ///   or ``SocketOption/sendTimeout`` (nothing was sent then).
    /// - Throws: ``ZMQError`` (`hostUnreachable` from a ROUTER with ``WriteOnlySocketOption/routerMandatory``,
    ///   `invalidState` from REQ/REP out of turn, `contextTerminated`, `notSocket`, ...).
    @discardableResult
    public func send(_ frames: some Collection<Frame>, dontWait: Bool = false) throws(ZMQError) -> Bool {
        try send(Array(frames), dontWait: dontWait)
    }

    /// Sends a multipart message held in an array (the common case, with no generic overhead).
    ///
    /// - Parameters:
    ///   - frames: The message; at least one frame.
    ///   - dontWait: Return `false` instead of blocking when the message cannot be queued now.
    /// - Returns: `true` when the message was queued; `false` when it was not.
    @discardableResult
    public func send(_ frames: [Frame], dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try openHandle("zmq_msg_send")
        let count = frames.count
        guard count > 0 else {
            throw .invalidArgument("a message needs at least one frame", operation: "zmq_msg_send")
        }
        for position in 0..<count {
            let frame = frames[position]
            let more = position < count - 1
            let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
            if try sendCopy(of: frame, handle, flags, "zmq_msg_send(frame \(position + 1) of \(count))") {
                continue
            }
            if position == 0 {
                return false
            }
            let operation = "zmq_msg_send(frame \(position + 1) of \(count))"
            if try !sendCopy(of: frame, handle, flags & ~ZMQ_DONTWAIT, operation) {
                throw ZMQError(
                    code: .wouldBlock,
                    message: "send timed out in the middle of a multipart message",
                    operation: operation
                )
            }
        }
        return true
    }

    /// Sends one frame, optionally announcing that more frames of the same message follow.
    ///
    /// ```swift
    /// try socket.send(routingID, more: true)
    /// try socket.send(payload)
    /// ```
    ///
    /// - Parameters:
    ///   - frame: The frame; not modified.
    ///   - more: Send with `ZMQ_SNDMORE`: the next frame sent belongs to the same message.
    ///   - dontWait: Return `false` instead of blocking when the frame cannot be queued now.
    /// - Returns: `true` when the frame was queued, `false` when it was not because of `dontWait` or
    ///   ``SocketOption/sendTimeout``.
    /// - Throws: ``ZMQError``.
    @discardableResult
    public func send(_ frame: Frame, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try openHandle("zmq_msg_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        return try sendCopy(of: frame, handle, flags, "zmq_msg_send")
    }

    /// Receives every frame of one message.
    ///
    /// ```swift
    /// guard let message = try router.receive(dontWait: true) else { return }   // nothing queued
    /// let (routingID, body) = (message[0], message.dropFirst())
    /// ```
    ///
    /// A peer can send a message with any number of frames; `maxFrames` bounds what is accepted. A longer
    /// message is discarded and the call throws `messageTooLarge`; the socket stays usable for the next
    /// message. With `dontWait` only a slice of a very long message's frames is dropped per call (see
    /// ``receiveMessage(dontWait:maxFrames:_:)``).
    ///
    /// - Parameters:
    ///   - dontWait: Return `nil` instead of blocking when no message is queued.
    ///   - maxFrames: The most frames accepted in one message (at least 1).
    /// - Returns: The frames (at least one), or `nil` when no message arrived because of `dontWait` or
    ///   ``SocketOption/receiveTimeout``.
    /// - Throws: ``ZMQError`` (`messageTooLarge` for too many frames, `contextTerminated`, `notSocket`, ...).
    public func receive(dontWait: Bool = false, maxFrames: Int = 64) throws(ZMQError) -> [Frame]? {
        let handle = try openHandle("zmq_msg_recv")
        guard maxFrames >= 1 else {
            throw .invalidArgument("maxFrames must be at least 1, not \(maxFrames)", operation: "zmq_msg_recv")
        }
        let parts = receiveParts(capacity: maxFrames)
        guard let count = try receiveParts(parts, maxFrames: maxFrames, handle, flags: dontWait ? ZMQ_DONTWAIT : 0)
        else {
            return nil
        }
        // Each part moves into its own frame, leaving the socket's buffers empty for the next message.
        return ReceivedMessage(parts: parts, count: count).frames()
    }

    /// Receives one frame and whether more frames of the same message follow.
    ///
    /// ```swift
    /// while let (frame, more) = try socket.receiveFrame() {
    ///     handle(frame)
    ///     if !more { break }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - dontWait: Return `nil` instead of blocking when no frame is queued.
    /// - Returns: The frame and whether more follow, or `nil` when nothing arrived because of `dontWait` or
    ///   ``SocketOption/receiveTimeout``.
    /// - Throws: ``ZMQError``.
    public func receiveFrame(dontWait: Bool = false) throws(ZMQError) -> (frame: Frame, more: Bool)? {
        let handle = try openHandle("zmq_msg_recv")
        return try receiveFrame(handle, flags: dontWait ? ZMQ_DONTWAIT : 0)
    }

    // MARK: - Implementation

    /// Sends a copy of `frame` through the scratch message; `false` on `EAGAIN`.
    private func sendCopy(
        of frame: Frame,
        _ handle: UnsafeMutableRawPointer,
        _ flags: Int32,
        _ operation: @autoclosure () -> String
    ) throws(ZMQError) -> Bool {
        mayHaveUnannouncedEvents = true
        // The scratch message always holds an initialised empty message between calls.
        defer {
            zmq_msg_close(scratch)
            zmq_msg_init(scratch)
        }
        try zmqCompletingCall("zmq_msg_copy") { zmq_msg_copy(scratch, frame.message) }
        switch try zmqCall(operation(), { zmq_msg_send(scratch, handle, flags) }) {
        case .processed: return true
        case .wouldBlock: return false
        }
    }

    private func receiveFrame(_ handle: UnsafeMutableRawPointer, flags: Int32) throws(ZMQError) -> (Frame, Bool)? {
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(message)
        let received: IOResult<Int32>
        do {
            received = try zmqCall("zmq_msg_recv") { zmq_msg_recv(message, handle, flags) }
        } catch {
            Frame.destroy(message)
            throw error
        }
        guard case .processed = received else {
            Frame.destroy(message)
            mayHaveUnannouncedEvents = false
            return nil
        }
        mayHaveUnannouncedEvents = true
        let more = zmq_msg_more(message) != 0
        return (Frame(owning: message), more)
    }
}
