internal import ZeroMQ

/// The client's socket work, on its I/O thread: sends calls to its servers (one DEALER socket per
/// endpoint, messages spread round-robin over the connected ones), matches responses to callers by
/// call id, fails calls whose deadline passes, and fails at once the calls in flight to a server
/// whose connection is lost. The calls started in one loop round leave together, up to
/// ``WireFormat/maxCallsPerMessage`` to a message.
final class ClientDriver: IOLoopDriver {
    /// A call handed to the loop. Its continuation is resumed exactly once: whoever removes the
    /// call from `pending` (a response, a deadline, a cancel, a lost server, the client closing)
    /// resumes it.
    struct Call: Sendable {
        let id: UInt64
        /// The encoded request header.
        let header: Frame
        let payload: Frame
        let deadline: ContinuousClock.Instant
        /// Resumed with the call's response; for a stream, its final status.
        let continuation: UnsafeContinuation<TransportResponse, any Error>
        /// The call's stream, when it opens one.
        var stream: ClientStream? = nil
    }

    enum Command: Sendable {
        case start(Call)
        case cancel(UInt64)
        /// A stream's writer sends a message (credit already taken).
        case streamMessage(UInt64, SerializedMessage)
        /// A stream's writer is done (half-close).
        case streamEnd(UInt64)
        /// A stream's reader took messages: grant the server that many more.
        case grant(UInt64, Int)
        /// Resume `done` once no call is waiting for a response (the client is shutting down).
        case drain(CheckedContinuation<Void, Never>)
        /// A call id that will never start (its request could not be sent).
        case skip(UInt64)
        /// Where the service is served now (from the directory): new calls go to these endpoints.
        case setEndpoints([String])
    }

    struct Pending {
        let continuation: UnsafeContinuation<TransportResponse, any Error>
        /// The call's place in the order of `outbound`: it has been sent once `outbound` has
        /// given up more calls than that (calls leave in order).
        let sequence: UInt64
        let stream: ClientStream?
        /// The server (index in `peers`) its request went, or goes, to.
        var peer = 0

        /// Resumes the caller with `error` and ends the call's stream with it.
        func fail(_ error: RPCError) {
            continuation.resume(throwing: error)
            stream?.io.inbox.finish(error)
            stream?.io.credit.close(error)
        }
    }

    /// What waits in `outbound`: a call's request, or a stream's message, half-close or credit.
    struct Outgoing {
        let id: UInt64
        let header: Frame
        let payload: Frame?
        /// A call's request (goes to any server), not a frame of a call already sent (goes to
        /// that call's server).
        let opensCall: Bool
    }

    let configuration: Client.Configuration
    let statistics: ClientStatistics
    /// One per endpoint, in the order they became known; closed ones keep their place, so a
    /// call's peer index stays valid.
    var peers: [ServerPeer] = []
    /// The poller the peers' sockets are added to (set by `start`).
    var poller: DescriptorPoller?
    /// The context new peers' sockets are made in.
    let context: Context
    var pending = CallTable<Pending>()
    var timers = TimerQueue<UInt64>()
    /// Calls not sent yet: started in this loop round, or waiting for a socket to accept them
    /// (no server connected yet, or at the high-water mark).
    var outbound: [Outgoing] = []
    var outboundHead = 0
    /// Frames ever appended to `outbound`. Those still in it (from `outboundHead` on) are the
    /// last ones, so a pending call has been sent when its sequence is below the rest.
    var enqueuedCalls: UInt64 = 0
    /// The server the next message of new calls goes to first (round-robin).
    var nextPeer = 0
    /// The sockets refused the last message (they would block): only a descriptor signalling, in
    /// ``serviceSockets(limit:)``, makes trying again worthwhile. A send attempt also makes the
    /// loop look at the sockets before waiting, so retrying on every round would keep it spinning.
    var sendBlocked = false
    /// Who waits for the calls in flight to be done (a graceful shutdown).
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Cancels that arrived before their call's start (a race of the cancellation handler).
    var earlyCancels = EarlyCancels()
    /// Stream readers waiting for a message of the message being read (see ``wakeReaders()``).
    var readersToWake: [StreamInbox] = []

    init(context: Context, configuration: Client.Configuration, statistics: ClientStatistics) throws {
        self.configuration = configuration
        self.statistics = statistics
        self.context = context
        do {
            for endpoint in configuration.directory == nil ? configuration.endpoints : [] {
                peers.append(try ServerPeer(endpoint: endpoint, context: context, configuration: configuration))
            }
        } catch {
            for index in peers.indices { peers[index].close(poller: nil) }
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<ClientDriver>) throws {
        self.poller = poller
        for peer in peers { try peer.connect(poller: poller) }
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .start(let call):
            if earlyCancels.start(call.id) {
                call.continuation.resume(throwing: RPCError(code: .cancelled, message: "the call was cancelled"))
                return
            }
            pending.insert(
                Pending(continuation: call.continuation, sequence: enqueuedCalls, stream: call.stream),
                for: call.id
            )
            timers.schedule(call.id, at: call.deadline)
            enqueue(Outgoing(id: call.id, header: call.header, payload: call.payload, opensCall: true))
        case .cancel(let id):
            guard let call = pending.removeValue(for: id) else {
                earlyCancels.cancel(id)
                return
            }
            call.fail(RPCError(code: .cancelled, message: "the call was cancelled"))
            if isSent(call) { sendCancel(id, to: call.peer) }
            resumeDrainWaitersIfIdle()
        case .streamMessage(let id, let message):
            guard let stream = pending[id]?.stream else { return }  // the call ended
            enqueue(Outgoing(id: id, header: stream.messageHeader, payload: message.frame, opensCall: false))
        case .streamEnd(let id):
            guard pending[id] != nil, let header = try? WireHeaders.streamEnd(callID: id) else { return }
            enqueue(Outgoing(id: id, header: header, payload: nil, opensCall: false))
        case .grant(let id, let messages):
            guard pending[id] != nil, let header = try? WireHeaders.credit(callID: id, messages: messages) else {
                return
            }
            enqueue(Outgoing(id: id, header: header, payload: nil, opensCall: false))
        case .drain(let done):
            drainWaiters.append(done)
            resumeDrainWaitersIfIdle()
        case .skip(let id):
            earlyCancels.skip(id)
        case .setEndpoints(let endpoints):
            setEndpoints(endpoints)
        }
    }

    /// Resumes the shutdown once no call waits for a response.
    func resumeDrainWaitersIfIdle() {
        guard !drainWaiters.isEmpty, pending.isEmpty else { return }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }

    static func reject(_ command: Command) {
        switch command {
        case .start(let call):
            call.continuation.resume(
                throwing: RPCError(
                    code: .unavailable,
                    message: "the client was closed",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            )
        case .drain(let done):
            done.resume()
        case .cancel, .skip, .streamMessage, .streamEnd, .grant, .setEndpoints:
            break
        }
    }

    func serviceSockets(limit: Int) throws {
        for _ in 0..<16 {
            for index in peers.indices where peers[index].state != .closed {
                try peers[index].socket.receiveWaiting(
                    limit: limit,
                    maxFrames: WireFormat.maxFrames,
                    onRejected: { statistics.record(.malformedResponse) }
                ) { deliver($0, from: index) }
                if try peers[index].connectionLost() { peerLost(index) }
            }
            guard outboundHead < outbound.count else { return }
            flushOutbound()
            guard outboundHead < outbound.count else { return }
            // Still blocked. Reading processed libzmq's commands, and one may have made a socket
            // writable (a server connected) without signalling its descriptor again: ask.
            guard try peers.contains(where: { try $0.state == .active && !$0.socket.events.isEmpty }) else { return }
        }
    }

    func flush() {
        if !sendBlocked, outboundHead < outbound.count { flushOutbound() }
    }

    var needsService: Bool { peers.contains { $0.mayHaveUnannouncedEvents } }

    var nextDeadline: ContinuousClock.Instant? {
        timers.dropStale(where: { pending[$0] == nil }, live: pending.count)
        closeIdleRetiredPeers()
        return timers.nextDeadline
    }

    func fireTimers(now: ContinuousClock.Instant) {
        for id in timers.popExpired(now: now) {
            guard let call = pending.removeValue(for: id) else { continue }
            let sent = isSent(call)
            let error =
                sent
                ? RPCError(code: .deadlineExceeded, message: "no response within the deadline")
                : RPCError(
                    code: .deadlineExceeded,
                    message:
                        "no server at \(configuration.endpoints.joined(separator: ", ")) accepted the call within the deadline",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            call.fail(error)
            if sent { sendCancel(id, to: call.peer) }
        }
        resumeDrainWaitersIfIdle()
    }

    func stop() {
        for call in pending.removeAll() {
            let metadata: Metadata = isSent(call) ? [:] : [RPCError.notSentMetadataKey: "true"]
            call.fail(RPCError(code: .unavailable, message: "the client was closed", metadata: metadata))
        }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
        for index in peers.indices { peers[index].close(poller: poller) }
    }

    func isSent(_ call: Pending) -> Bool {
        call.sequence < enqueuedCalls - UInt64(outbound.count - outboundHead)
    }
}

/// A response as the transport received it.
struct TransportResponse: Sendable {
    let header: Zrpc_Wire_ResponseHeader
    let payload: Frame
}
