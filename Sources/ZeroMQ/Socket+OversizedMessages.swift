internal import CZeroMQ

extension Socket {
    /// The most frames of an over-long message dropped by one non-blocking receive: a few milliseconds
    /// of work (libzmq takes about a quarter of a microsecond per frame).
    static let framesDroppedPerCall = 16_384

    /// Frames in one dropped message from which the freed memory is handed back to the system: libzmq
    /// held about 64 bytes per frame until the message was read, and the allocator keeps freed memory.
    static let framesWorthReleasingMemory = 65_536

    /// Drops frames of the over-long message being discarded (``oversizedMessageFramesDropped`` is
    /// set), at most `limit` of them, or to the message's end when `limit` is nil.
    ///
    /// - Returns: True when the message has ended (the socket is back to whole messages), false when
    ///   `limit` frames were dropped and more remain.
    func discardOversizedFrames(_ handle: UnsafeMutableRawPointer, limit: Int?) throws(ZMQError) -> Bool {
        defer {
            zmq_msg_close(scratch)
            zmq_msg_init(scratch)
        }
        var dropped = 0
        while limit.map({ dropped < $0 }) ?? true {
            // The rest of a message is delivered with its first frame, so a frame is always waiting.
            let next = try zmqCall("zmq_msg_recv") { zmq_msg_recv(scratch, handle, ZMQ_DONTWAIT) }
            guard case .processed = next else {
                finishDiscarding(totalFrames: (oversizedMessageFramesDropped ?? 0) + dropped)
                return true
            }
            dropped += 1
            if zmq_msg_more(scratch) == 0 {
                finishDiscarding(totalFrames: (oversizedMessageFramesDropped ?? 0) + dropped)
                return true
            }
        }
        oversizedMessageFramesDropped = (oversizedMessageFramesDropped ?? 0) + dropped
        return false
    }

    private func finishDiscarding(totalFrames: Int) {
        oversizedMessageFramesDropped = nil
        if totalFrames >= Self.framesWorthReleasingMemory {
            FreedMemory.release()
        }
    }
}
