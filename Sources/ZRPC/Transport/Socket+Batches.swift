import ZeroMQ

extension Socket {
    /// Reads the messages already waiting, up to `limit` (so one busy socket cannot starve the
    /// loop's mailbox), without blocking.
    ///
    /// - Parameters:
    ///   - limit: The most messages read in one go.
    ///   - maxFrames: The most frames a message may have; longer ones are discarded.
    ///   - onRejected: Called for each message discarded for its frame count.
    ///   - body: Called with each message, read in place.
    func receiveWaiting(
        limit: Int = 1024,
        maxFrames: Int,
        onRejected: () -> Void,
        _ body: (borrowing ReceivedMessage) -> Void
    ) {
        for _ in 0..<limit {
            do {
                guard try receiveMessage(dontWait: true, maxFrames: maxFrames, body) != nil else { return }
            } catch let error as ZMQError where error.code == .messageTooLarge {
                onRejected()
            } catch {
                return  // closed socket or terminated context: the loop is stopping
            }
        }
    }
}
