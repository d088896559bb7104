internal import ZeroMQ

extension Socket {
    /// Reads the messages already waiting, up to `limit`, without blocking.
    ///
    /// The limit is small on purpose: the loop runs the handlers or callers of a few messages
    /// and sends what they produce before it reads more, so replies start flowing back while
    /// requests are still queued (with 64 calls in flight, reading 8 at a time gave about a fifth
    /// more calls per second than reading everything waiting). It also keeps one busy socket
    /// from starving the loop's mailbox.
    ///
    /// - Parameters:
    ///   - limit: The most messages read in one go.
    ///   - maxFrames: The most frames a message may have; longer ones are discarded.
    ///   - onRejected: Called for each message discarded for its frame count.
    ///   - body: Called with each message, read in place.
    /// - Throws: ``ZeroMQ/ZMQError`` when the socket cannot be read any more (closed, or its context
    ///   terminated): the loop must stop serving it.
    func receiveWaiting(
        limit: Int,
        maxFrames: Int,
        onRejected: () -> Void,
        _ body: (borrowing ReceivedMessage) -> Void
    ) throws {
        for _ in 0..<limit {
            do {
                guard try receiveMessage(dontWait: true, maxFrames: maxFrames, body) != nil else { return }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                onRejected()
            }
        }
    }
}
