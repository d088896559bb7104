import ZeroMQ

/// The client's socket work, on its I/O thread: sends calls over one DEALER socket (connected to
/// every endpoint, so libzmq spreads calls across servers), matches responses to callers by call
/// id, and fails calls whose deadline passes.
final class ClientDriver: IOLoopDriver {
    /// A call handed to the loop. Its continuation is resumed exactly once: whoever removes the
    /// call from `pending` (a response, a deadline, a cancel, the client closing) resumes it.
    struct Call: Sendable {
        let id: UInt64
        let frames: [Frame]
        let deadline: ContinuousClock.Instant
        let continuation: UnsafeContinuation<TransportResponse, any Error>
    }

    enum Command: Sendable {
        case start(Call)
        case cancel(UInt64)
    }

    private struct Pending {
        let continuation: UnsafeContinuation<TransportResponse, any Error>
        var sent: Bool
    }

    private let configuration: Client.Configuration
    private let statistics: ClientStatistics
    private let socket: Socket
    private var pending: [UInt64: Pending] = [:]
    private var timers = TimerQueue<UInt64>()
    /// Calls waiting for the socket to accept them (no server connected yet, or at the HWM).
    private var outbound: [Call] = []
    private var outboundHead = 0
    /// Cancels that arrived before their call's start (a race of the cancellation handler).
    private var cancelledEarly: Set<UInt64> = []

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

    func handle(_ command: Command) {
        switch command {
        case .start(let call):
            if cancelledEarly.remove(call.id) != nil {
                call.continuation.resume(throwing: RPCError(code: .cancelled, message: "the call was cancelled"))
                return
            }
            pending[call.id] = Pending(continuation: call.continuation, sent: false)
            timers.schedule(call.id, at: call.deadline)
            if outboundHead < outbound.count || !trySend(call) {
                // Sent when the socket can take it: a server connects, or the queue drains, and
                // either signals the socket's descriptor.
                outbound.append(call)
            }
        case .cancel(let id):
            guard let call = pending.removeValue(forKey: id) else {
                cancelledEarly.insert(id)
                if cancelledEarly.count > 4096 { cancelledEarly.removeAll() }
                return
            }
            call.continuation.resume(throwing: RPCError(code: .cancelled, message: "the call was cancelled"))
            if call.sent { sendCancel(id) }
        }
    }

    static func reject(_ command: Command) {
        guard case .start(let call) = command else { return }
        call.continuation.resume(throwing: RPCError(
            code: .unavailable,
            message: "the client was closed",
            metadata: [RPCError.notSentMetadataKey: "true"]
        ))
    }

    func serviceSockets(limit: Int) throws {
        for _ in 0..<16 {
            try socket.receiveWaiting(limit: limit, maxFrames: 8, onRejected: { statistics.record(.malformedResponse) }) { deliver($0) }
            guard outboundHead < outbound.count else { return }
            flushOutbound()
            guard outboundHead < outbound.count else { return }
            // Still blocked. Reading processed libzmq's commands, and one may have made the socket
            // writable (a server connected) without signalling its descriptor again: ask.
            guard !(try socket.events).isEmpty else { return }
        }
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        timers.dropStale(where: { pending[$0] == nil }, live: pending.count)
        return timers.nextDeadline
    }

    func fireTimers(now: ContinuousClock.Instant) {
        for id in timers.popExpired(now: now) {
            guard let call = pending.removeValue(forKey: id) else { continue }
            let error = call.sent
                ? RPCError(code: .deadlineExceeded, message: "no response within the deadline")
                : RPCError(
                    code: .deadlineExceeded,
                    message: "no server at \(configuration.endpoints.joined(separator: ", ")) accepted the call within the deadline",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            call.continuation.resume(throwing: error)
            if call.sent { sendCancel(id) }
        }
    }

    func stop() {
        for (_, call) in pending {
            let metadata: Metadata = call.sent ? [:] : [RPCError.notSentMetadataKey: "true"]
            call.continuation.resume(throwing: RPCError(code: .unavailable, message: "the client was closed", metadata: metadata))
        }
        pending.removeAll()
        socket.close()
    }

    // MARK: Sending

    /// Sends a call now if the socket takes it; false when it would block.
    private func trySend(_ call: Call) -> Bool {
        do {
            guard try socket.send(call.frames, dontWait: true) else { return false }
            pending[call.id]?.sent = true
        } catch {
            pending.removeValue(forKey: call.id)
            call.continuation.resume(throwing: RPCError(
                code: .unavailable,
                message: "could not send: \(error)",
                metadata: [RPCError.notSentMetadataKey: "true"]
            ))
        }
        return true
    }

    private func flushOutbound() {
        while outboundHead < outbound.count {
            let call = outbound[outboundHead]
            if pending[call.id] != nil, !trySend(call) { return }
            outboundHead += 1
        }
        outbound.removeAll(keepingCapacity: true)
        outboundHead = 0
    }

    private func sendCancel(_ id: UInt64) {
        let header = Zrpc_Wire_Header(kind: .cancel(.init(callID: id)))
        _ = try? socket.send(WireFormat.frames(header: header, payload: nil), dontWait: true)
    }

    // MARK: Receiving

    private func deliver(_ message: borrowing ReceivedMessage) {
        switch WireFormat.parse(message, from: 0) {
        case .failure:
            statistics.record(.malformedResponse)
        case .success(let parsed):
            switch parsed.header.kind {
            case .response(let header)?:
                guard let call = pending.removeValue(forKey: header.callID), let payload = parsed.payload else {
                    statistics.record(.lateResponse)
                    return
                }
                call.continuation.resume(returning: TransportResponse(header: header, payload: payload))
            case .ping(let ping)?:
                let pong = Zrpc_Wire_Header(kind: .pong(.init(nonce: ping.nonce)))
                _ = try? socket.send(WireFormat.frames(header: pong, payload: nil), dontWait: true)
            default:
                statistics.record(.malformedResponse)
            }
        }
    }
}

/// A response as the transport received it.
struct TransportResponse: Sendable {
    let header: Zrpc_Wire_ResponseHeader
    let payload: Frame
}
