/// A server's graceful shutdown, as a value: the driver reports events and performs the actions.
///
/// 1. **serving** → `beginDrain`: new calls are refused from now on; calls in flight may finish
///    until the grace deadline.
/// 2. When the last call is gone (finished, or cancelled at the deadline), every client that was
///    answered while draining is pinged: its pong proves it has read everything sent before (a
///    client's DEALER drops unread messages when the connection closes).
/// 3. When every ping is answered, or a second has passed, the drain is over: the server closes.
///
/// `Peer` identifies a client.
struct DrainStateMachine<Peer: Hashable> {
    enum State: Equatable {
        case serving
        /// Waiting for calls in flight; `answered` are the clients sent a response meanwhile.
        case waitingForCalls(answered: Set<Peer>)
        /// Waiting for the pongs of these nonces.
        case flushing(unanswered: Set<UInt64>)
        case drained
    }

    /// What the driver does next.
    enum Action: Equatable {
        /// Cancel the calls still in flight and answer each UNAVAILABLE.
        case cancelCallsInFlight
        /// Ping these clients with these nonces; report the nonces sent with ``pingsSent(_:)``.
        case ping([Peer: UInt64])
        /// Resume everyone waiting for the drain: the server may close.
        case finish
    }

    private(set) var state = State.serving

    /// Whether new calls are refused.
    var refusesNewCalls: Bool { state != .serving }

    /// Starts draining (again: a second request joins the first).
    ///
    /// - Parameter idle: Whether no call is in flight now.
    mutating func beginDrain(idle: Bool) -> Action? {
        switch state {
        case .serving:
            state = .waitingForCalls(answered: [])
            return idle ? callsDone() : nil
        case .drained:
            return .finish
        case .waitingForCalls, .flushing:
            return nil
        }
    }

    /// A response went to `peer`.
    mutating func answered(_ peer: Peer) {
        guard case .waitingForCalls(var answered) = state, !answered.contains(peer) else { return }
        state = .drained  // for a moment: `answered` is then the set's only reference, and grows in place
        answered.insert(peer)
        state = .waitingForCalls(answered: answered)
    }

    /// The last call in flight is gone.
    mutating func callsDone() -> Action? {
        guard case .waitingForCalls(let answered) = state else { return nil }
        guard !answered.isEmpty else {
            state = .drained
            return .finish
        }
        var nonces: [Peer: UInt64] = [:]
        for (offset, peer) in answered.enumerated() { nonces[peer] = UInt64(offset + 1) }
        state = .flushing(unanswered: Set(nonces.values))
        return .ping(nonces)
    }

    /// The pings the driver could send (a client may be gone already).
    mutating func pingsSent(_ nonces: Set<UInt64>) -> Action? {
        guard case .flushing(let unanswered) = state else { return nil }
        let waiting = unanswered.intersection(nonces)
        state = waiting.isEmpty ? .drained : .flushing(unanswered: waiting)
        return waiting.isEmpty ? .finish : nil
    }

    /// A pong arrived.
    mutating func pong(nonce: UInt64) -> Action? {
        guard case .flushing(var unanswered) = state, unanswered.remove(nonce) != nil else { return nil }
        state = unanswered.isEmpty ? .drained : .flushing(unanswered: unanswered)
        return unanswered.isEmpty ? .finish : nil
    }

    /// The grace period is over.
    mutating func gracePeriodEnded() -> Action? {
        guard case .waitingForCalls = state else { return nil }
        return .cancelCallsInFlight
    }

    /// The clients had their second to answer the pings.
    mutating func flushTimedOut() -> Action? {
        guard case .flushing = state else { return nil }
        state = .drained
        return .finish
    }
}
