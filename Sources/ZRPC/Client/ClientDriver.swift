internal import ZeroMQ

/// The client's socket work, on its I/O thread: sends calls over one DEALER socket (connected to
/// every endpoint, so libzmq spreads messages across servers), matches responses to callers by call
/// id, and fails calls whose deadline passes. The calls started in one loop round leave together,
/// up to ``WireFormat/maxCallsPerMessage`` to a message.
final class ClientDriver: IOLoopDriver {
    /// A call handed to the loop. Its continuation is resumed exactly once: whoever removes the
    /// call from `pending` (a response, a deadline, a cancel, the client closing) resumes it.
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
    }

    private struct Pending {
        let continuation: UnsafeContinuation<TransportResponse, any Error>
        /// The call's place in the order of `outbound`: it has been sent once `outbound` has
        /// given up more calls than that (calls leave in order).
        let sequence: UInt64
        let stream: ClientStream?

        /// Resumes the caller with `error` and ends the call's stream with it.
        func fail(_ error: RPCError) {
            continuation.resume(throwing: error)
            stream?.io.inbox.finish(error)
            stream?.io.credit.close(error)
        }
    }

    /// What waits in `outbound`: a call's request, or a stream's message, half-close or credit.
    private struct Outgoing {
        let id: UInt64
        let header: Frame
        let payload: Frame?
    }

    private let configuration: Client.Configuration
    private let statistics: ClientStatistics
    private let socket: Socket
    private var pending = CallTable<Pending>()
    private var timers = TimerQueue<UInt64>()
    /// Calls not sent yet: started in this loop round, or waiting for the socket to accept them
    /// (no server connected yet, or at the high-water mark).
    private var outbound: [Outgoing] = []
    private var outboundHead = 0
    /// Calls ever appended to `outbound`. Those still in it (from `outboundHead` on) are the
    /// last ones, so a pending call has been sent when its sequence is below the rest.
    private var enqueuedCalls: UInt64 = 0
    /// The socket refused the last message (it would block): only its descriptor signalling, in
    /// ``serviceSockets(limit:)``, makes trying again worthwhile. A send attempt also makes the
    /// loop look at the socket before waiting, so retrying on every round would keep it spinning.
    private var sendBlocked = false
    /// Who waits for the calls in flight to be done (a graceful shutdown).
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Cancels that arrived before their call's start (a race of the cancellation handler).
    private var earlyCancels = EarlyCancels()

    init(context: Context, configuration: Client.Configuration, statistics: ClientStatistics) throws {
        self.configuration = configuration
        self.statistics = statistics
        socket = try Socket(context, type: .dealer)
        try socket.set(.immediate, true)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.set(.maxMessageSize, configuration.maxFrameBytes)
        try socket.set(.reconnectInterval, configuration.reconnectInterval)
        try socket.set(.heartbeatInterval, .seconds(1))
        try socket.set(.heartbeatTimeout, .seconds(3))
    }

    func start(poller: DescriptorPoller, loop: IOLoop<ClientDriver>) throws {
        for endpoint in configuration.endpoints {
            try socket.connect(endpoint)
        }
        try poller.add(socket)
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
            enqueue(Outgoing(id: call.id, header: call.header, payload: call.payload))
        case .cancel(let id):
            guard let call = pending.removeValue(for: id) else {
                earlyCancels.cancel(id)
                return
            }
            call.fail(RPCError(code: .cancelled, message: "the call was cancelled"))
            if isSent(call) { sendCancel(id) }
            resumeDrainWaitersIfIdle()
        case .streamMessage(let id, let message):
            guard let stream = pending[id]?.stream else { return }  // the call ended
            enqueue(Outgoing(id: id, header: stream.messageHeader, payload: message.frame))
        case .streamEnd(let id):
            guard pending[id] != nil, let header = try? WireHeaders.streamEnd(callID: id) else { return }
            enqueue(Outgoing(id: id, header: header, payload: nil))
        case .grant(let id, let messages):
            guard pending[id] != nil, let header = try? WireHeaders.credit(callID: id, messages: messages) else {
                return
            }
            enqueue(Outgoing(id: id, header: header, payload: nil))
        case .drain(let done):
            drainWaiters.append(done)
            resumeDrainWaitersIfIdle()
        case .skip(let id):
            earlyCancels.skip(id)
        }
    }

    /// Queues a frame for `flush`, which sends it with the others of this round, in order.
    private func enqueue(_ outgoing: Outgoing) {
        enqueuedCalls += 1
        outbound.append(outgoing)
    }

    /// Resumes the shutdown once no call waits for a response.
    private func resumeDrainWaitersIfIdle() {
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
        case .cancel, .skip, .streamMessage, .streamEnd, .grant:
            break
        }
    }

    func serviceSockets(limit: Int) throws {
        for _ in 0..<16 {
            try socket.receiveWaiting(
                limit: limit,
                maxFrames: WireFormat.maxFrames,
                onRejected: { statistics.record(.malformedResponse) }
            ) { deliver($0) }
            guard outboundHead < outbound.count else { return }
            flushOutbound()
            guard outboundHead < outbound.count else { return }
            // Still blocked. Reading processed libzmq's commands, and one may have made the socket
            // writable (a server connected) without signalling its descriptor again: ask.
            guard !(try socket.events).isEmpty else { return }
        }
    }

    func flush() {
        if !sendBlocked, outboundHead < outbound.count { flushOutbound() }
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        timers.dropStale(where: { pending[$0] == nil }, live: pending.count)
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
            if sent { sendCancel(id) }
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
        socket.close()
    }

    // MARK: Sending

    /// Sends the calls not sent yet, a message per ``WireFormat/maxCallsPerMessage``, until the
    /// socket would block; the rest wait for the socket to signal that it can take more.
    private func flushOutbound() {
        sendBlocked = false
        while outboundHead < outbound.count {
            var message: WireFormat.OutgoingMessage
            do {
                message = try WireFormat.OutgoingMessage(routingID: nil)
            } catch {
                failUnsent(outbound[outboundHead...], error)
                break
            }
            var end = outboundHead
            while end < outbound.count, !message.isFull {
                let call = outbound[end]
                if pending[call.id] != nil {  // not cancelled or expired while it waited
                    message.append(header: call.header, payload: call.payload)
                }
                end += 1
            }
            let batch = outbound[outboundHead..<end]
            if message.calls > 0 {
                do {
                    guard try socket.send(message.frames, dontWait: true) else {
                        sendBlocked = true
                        return
                    }
                    statistics.record(.sentMessage(requests: message.calls))
                } catch {
                    failUnsent(batch, error)
                }
            }
            outboundHead = end
        }
        outbound.removeAll(keepingCapacity: true)
        outboundHead = 0
    }

    private func isSent(_ call: Pending) -> Bool {
        call.sequence < enqueuedCalls - UInt64(outbound.count - outboundHead)
    }

    /// Fails calls the socket refused (not would-block: it is closed, say): none of them was sent.
    private func failUnsent(_ calls: ArraySlice<Outgoing>, _ error: any Error) {
        for call in calls {
            guard let waiting = pending.removeValue(for: call.id) else { continue }
            waiting.fail(
                RPCError(
                    code: .unavailable,
                    message: "could not send: \(error)",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            )
        }
        resumeDrainWaitersIfIdle()
    }

    /// Fails a call in flight and tells its server.
    private func failCall(_ id: UInt64, _ error: RPCError) {
        guard let call = pending.removeValue(for: id) else { return }
        call.fail(error)
        sendCancel(id)
        resumeDrainWaitersIfIdle()
    }

    private func sendCancel(_ id: UInt64) {
        _ = try? socket.send(WireFormat.frames(header: WireHeaders.cancel(callID: id)), dontWait: true)
    }

    // MARK: Receiving

    private func deliver(_ message: borrowing ReceivedMessage) {
        let failure = WireFormat.parse(message, from: 0) { call in
            switch call.header.kind {
            case .response(let header)?:
                guard let waiting = pending.removeValue(for: header.callID), let payload = call.payload else {
                    statistics.record(.lateResponse)
                    return
                }
                if let stream = waiting.stream { stream.end(with: header) }
                waiting.continuation.resume(returning: TransportResponse(header: header, payload: payload))
                resumeDrainWaitersIfIdle()
            case .streamMessage(let header)?:
                guard let stream = pending[header.callID]?.stream, let payload = call.payload else {
                    statistics.record(.lateResponse)
                    return
                }
                if !stream.io.inbox.push(SerializedMessage(frame: payload)) {
                    failCall(
                        header.callID,
                        RPCError(
                            code: .internal,
                            message: "the server sent more stream messages than the \(stream.io.inbox.window) granted"
                        )
                    )
                }
            case .credit(let header)?:
                pending[header.callID]?.stream?.io.credit.add(Int(header.messages))
            case .ping(let ping)?:
                _ = try? socket.send(WireFormat.frames(header: WireHeaders.pong(nonce: ping.nonce)), dontWait: true)
            default:
                statistics.record(.malformedResponse)
            }
        }
        if failure != nil { statistics.record(.malformedResponse) }
    }
}

/// A response as the transport received it.
struct TransportResponse: Sendable {
    let header: Zrpc_Wire_ResponseHeader
    let payload: Frame
}
