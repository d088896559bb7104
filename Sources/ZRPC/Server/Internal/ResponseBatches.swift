internal import ZeroMQ

/// The responses of one loop round, gathered into one message per client (up to
/// ``WireFormat/maxCallsPerMessage`` calls each) so that a client's answers leave together.
///
/// A value with no I/O: ``append(to:header:payload:)`` returns a message that filled up (to be sent
/// at once) and ``sendAll(_:)`` hands over the rest at the end of the round.
struct ResponseBatches {
    /// Messages being assembled, one per client; found by client through `index` (an array, so
    /// appending to a message never copies it).
    private var messages: [WireFormat.OutgoingMessage] = []
    private var index: [PeerKey: Int] = [:]
    /// The client last appended to and its message's position: the calls of one request message
    /// share one routing-id frame, so most answers skip hashing the id. The frame is held, so no
    /// other frame can take its address while it is cached.
    private var recent: (routingID: Frame, position: Int)?

    /// Whether nothing waits to be sent.
    var isEmpty: Bool { messages.isEmpty }

    /// Adds a call's answer for the client at `routingID`.
    ///
    /// - Returns: The client's message when it is full (send it now; the batch keeps collecting).
    /// - Throws: When the message's fixed frames cannot be made (no memory).
    mutating func append(to routingID: Frame, header: Frame, payload: Frame?) throws -> WireFormat.OutgoingMessage? {
        let position: Int
        if let recent, recent.routingID === routingID {
            position = recent.position
        } else if let existing = index[PeerKey(routingID)] {
            position = existing
            recent = (routingID, position)
        } else {
            position = messages.count
            messages.append(try WireFormat.OutgoingMessage(routingID: routingID))
            index[PeerKey(routingID)] = position
            recent = (routingID, position)
        }
        messages[position].append(header: header, payload: payload)
        guard messages[position].isFull else { return nil }
        let full = messages[position]
        messages[position].removeCalls()
        return full
    }

    /// Hands each message that holds calls to `send`; the batch is empty afterwards.
    mutating func sendAll(_ send: (WireFormat.OutgoingMessage) -> Void) {
        guard !messages.isEmpty else { return }
        for message in messages where message.calls > 0 { send(message) }
        messages.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        recent = nil
    }
}
