import Logging
internal import ZeroMQ

/// The server's socket work, on its I/O thread: reads calls from one ROUTER socket, runs their
/// handlers (a task per call, or with `.ioThread` the calls of a message in one task on this
/// thread, ``InlineBatch``), sends what handlers return, and enforces deadlines, the concurrency
/// limit, cancellation and graceful shutdown. A malformed message from one client is counted
/// and answered (or dropped) without disturbing any other call. What one loop round answers a
/// client leaves in one message (up to ``WireFormat/maxCallsPerMessage`` calls).
final class ServerDriver: IOLoopDriver {
    enum Command: Sendable {
        /// A handler finished: send its response (nil when none could be encoded). The call is
        /// named by the serial number the driver gave it.
        case finished(UInt64, EncodedResponse?)
        /// Refuse new calls; when the calls in flight are done, or at `deadline`, resume.
        case drain(deadline: ContinuousClock.Instant, done: CheckedContinuation<Void, Never>)
    }

    /// A response's header and payload frames, encoded by the handler's task.
    struct EncodedResponse: Sendable {
        let header: Frame
        let payload: Frame
    }

    /// A call in flight: the client's routing id and its call id.
    struct CallKey: Hashable, Sendable {
        let peer: PeerKey
        let callID: UInt64

        init(routingID: Frame, callID: UInt64) {
            self.peer = PeerKey(routingID)
            self.callID = callID
        }
    }

    private enum TimerKey {
        case call(serial: UInt64)
        case drain
        case flush
    }

    private struct InFlight {
        let key: CallKey
        let routingID: Frame
        let task: Task<Void, Never>
        /// The service, when it has a concurrency limit of its own (its calls are counted).
        let limitedService: String?
    }

    private let configuration: Server.Configuration
    private let registry: ServiceRegistry
    private let statistics: ServerStatistics
    private let boundEndpoints: BoundEndpoints
    private let socket: Socket
    private weak var loop: IOLoop<ServerDriver>?
    private var chain: (nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage)?
    /// Calls in flight by serial number (a plain key for timers and commands), and the serial
    /// number of each call by client and call id (for Cancel and duplicate ids).
    private var inFlight: [UInt64: InFlight] = [:]
    private var serials: [CallKey: UInt64] = [:]
    private var nextSerial: UInt64 = 0
    /// Calls in flight per service that has a limit of its own.
    private var inFlightPerService: [String: Int] = [:]
    private var timers = TimerQueue<TimerKey>()
    private var draining = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Clients sent a response while draining; before closing, each is pinged, and its pong
    /// proves it has read everything sent before (a client's DEALER drops unread messages when
    /// the connection closes).
    private var peersToFlush: [PeerKey: Frame] = [:]
    /// Nonces of the flush pings not answered yet; nil until flushing starts.
    private var unansweredPings: Set<UInt64>?
    /// Messages being assembled this round, one per client, sent by ``flush()``; found by client
    /// through `outgoingIndex` (an array, so appending to a message never copies it).
    private var outgoing: [WireFormat.OutgoingMessage] = []
    private var outgoingIndex: [PeerKey: Int] = [:]
    /// The client last enqueued to and its message's index in `outgoing`: the calls of one
    /// request message share one routing-id frame, so most answers skip hashing the id. The
    /// frame is held, so no other frame can take its address while it is cached.
    private var recentPeer: (routingID: Frame, index: Int)?
    /// The handler of the last call started: consecutive calls to one method skip the lookup.
    private var recentHandler: MethodHandler?
    /// Calls of the message being read that run on the I/O thread, started together once the
    /// whole message is parsed (``runWaitingCalls()``).
    private var waitingToRun: [AcceptedCall] = []

    init(
        context: Context,
        configuration: Server.Configuration,
        registry: ServiceRegistry,
        statistics: ServerStatistics,
        boundEndpoints: BoundEndpoints
    ) throws {
        self.configuration = configuration
        self.registry = registry
        self.statistics = statistics
        self.boundEndpoints = boundEndpoints
        socket = try Socket(context, type: .router)
        try socket.set(.routerMandatory, true)
        try socket.set(.sendHighWaterMark, 100_000)
        try socket.set(.receiveHighWaterMark, 100_000)
        try socket.set(.maxMessageSize, Int64(configuration.maxRequestBytes) * 2 + 65_536)
        try socket.set(.handshakeInterval, .seconds(5))
        try socket.set(.heartbeatInterval, .seconds(1))
        try socket.set(.heartbeatTimeout, .seconds(3))
    }

    func start(poller: DescriptorPoller, loop: IOLoop<ServerDriver>) throws {
        self.loop = loop
        var endpoints: [String] = []
        for endpoint in configuration.endpoints {
            try socket.bind(endpoint)
            endpoints.append(try socket.lastEndpoint)
        }
        boundEndpoints.set(endpoints)
        try poller.add(socket)
        let limits = configuration.decodingLimits
        var chain: nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage = { request in
            try await request.handler.handle(request.payload, request.context, limits)
        }
        for interceptor in configuration.interceptors.reversed() {
            let inner = chain
            chain = { request in try await interceptor.intercept(request, next: inner) }
        }
        self.chain = chain
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .finished(let serial, let response):
            guard let call = removeCall(serial: serial) else { return }  // deadline passed or cancelled
            if let response { enqueue(to: call.routingID, header: response.header, payload: response.payload) }
            resumeDrainWaitersIfIdle()
        case .drain(let deadline, let done):
            draining = true
            drainWaiters.append(done)
            timers.schedule(.drain, at: deadline)
            resumeDrainWaitersIfIdle()
        }
    }

    static func reject(_ command: Command) {
        guard case .drain(_, let done) = command else { return }
        done.resume()  // a stopped server has nothing left to drain
    }

    func serviceSockets(limit: Int) throws {
        try socket.receiveWaiting(limit: limit, maxFrames: 1 + WireFormat.maxFrames, onRejected: { statistics.record(.malformedMessage) }) { receive($0) }
    }

    func flush() {
        guard !outgoing.isEmpty else { return }
        for message in outgoing where message.calls > 0 {
            send(message)
        }
        outgoing.removeAll(keepingCapacity: true)
        outgoingIndex.removeAll(keepingCapacity: true)
        recentPeer = nil
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        timers.dropStale(
            where: { key in
                switch key {
                case .call(let serial): inFlight[serial] == nil
                case .drain, .flush: drainWaiters.isEmpty
                }
            },
            live: inFlight.count
        )
        return timers.nextDeadline
    }

    func fireTimers(now: ContinuousClock.Instant) {
        for key in timers.popExpired(now: now) {
            switch key {
            case .call(let serial):
                guard let call = removeCall(serial: serial) else { continue }
                call.task.cancel()
                statistics.record(.deadlineExceeded)
                respond(to: call.routingID, callID: call.key.callID, error: RPCError(code: .deadlineExceeded, message: "the server's deadline for the call passed"))
                resumeDrainWaitersIfIdle()
            case .drain:
                guard !drainWaiters.isEmpty else { continue }
                for call in inFlight.values {
                    call.task.cancel()
                    respond(to: call.routingID, callID: call.key.callID, error: RPCError(code: .unavailable, message: "the server shut down before the call completed"))
                }
                inFlight.removeAll()
                serials.removeAll()
                inFlightPerService.removeAll()
                resumeDrainWaitersIfIdle()
            case .flush:
                finishDrain()
            }
        }
    }

    func stop() {
        flush()
        for call in inFlight.values { call.task.cancel() }
        inFlight.removeAll()
        serials.removeAll()
        inFlightPerService.removeAll()
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
        // Clients have confirmed (pong) reading every response, so nothing is left to flush: stop
        // listening at once, so a restarted server can bind the same address.
        for endpoint in boundEndpoints.value {
            try? socket.unbind(endpoint)
        }
        socket.close()
    }

    // MARK: Receiving

    private func receive(_ message: borrowing ReceivedMessage) {
        guard message.count > 0 else { return }
        let routingID = message.frame(at: 0)
        let failure = WireFormat.parse(message, from: 1) { call in
            if case .request(let header)? = call.header.kind {
                start(header, payload: call.payload ?? Frame(), routingID: routingID)
                return
            }
            runWaitingCalls()  // what follows a call in a message is handled after it started
            switch call.header.kind {
            case .request?:
                break
            case .cancel(let cancel)?:
                let key = CallKey(routingID: routingID, callID: cancel.callID)
                if let serial = serials[key], let call = removeCall(serial: serial) {
                    call.task.cancel()
                    statistics.record(.cancelled)
                    resumeDrainWaitersIfIdle()
                }
            case .ping(let ping)?:
                if let pong = try? Zrpc_Wire_Header(kind: .pong(.init(nonce: ping.nonce))).packedFrame() {
                    enqueue(to: routingID, header: pong, payload: nil)
                }
            case .pong(let pong)?:
                guard unansweredPings?.remove(pong.nonce) != nil else { return }
                if unansweredPings?.isEmpty == true { finishDrain() }
            default:
                statistics.record(.malformedMessage)
            }
        }
        runWaitingCalls()
        switch failure {
        case nil:
            break
        case .notZRPC?:
            statistics.record(.malformedMessage)
        case .unsupportedVersion(let version)?:
            statistics.record(.unsupportedVersion)
            respond(to: routingID, callID: 0, error: RPCError(
                code: .unimplemented,
                message: "unsupported protocol version \(version); this server speaks \(WireFormat.signature)"
            ))
        case .badHeader(let reason)?:
            statistics.record(.malformedMessage)
            respond(to: routingID, callID: 0, error: RPCError(code: .invalidArgument, message: "malformed ZRPC message: \(reason)"))
        }
    }

    private func start(_ header: Zrpc_Wire_RequestHeader, payload: Frame, routingID: Frame) {
        let method = MethodDescriptor(service: header.service, method: header.method)
        if draining {
            respond(to: routingID, callID: header.callID, error: RPCError(
                code: .unavailable,
                message: "the server is shutting down",
                metadata: [RPCError.notSentMetadataKey: "true"]  // no handler saw it: safe to retry elsewhere
            ))
            return
        }
        guard let handler = handler(for: method) else {
            statistics.record(.unimplemented)
            let message = registry.hosts(service: header.service)
                ? "unknown method \(header.method) in service \(header.service)"
                : "unknown service \(header.service)"
            respond(to: routingID, callID: header.callID, error: RPCError(code: .unimplemented, message: message))
            return
        }
        guard payload.count <= configuration.maxRequestBytes else {
            statistics.record(.rejected)
            respond(to: routingID, callID: header.callID, error: RPCError(
                code: .resourceExhausted,
                message: "the request is \(payload.count) bytes; this server accepts at most \(configuration.maxRequestBytes)"
            ))
            return
        }
        guard inFlight.count + waitingToRun.count < configuration.maxConcurrentCalls else {
            statistics.record(.rejected)
            respond(to: routingID, callID: header.callID, error: RPCError(
                code: .resourceExhausted,
                message: "the server is at its limit of \(configuration.maxConcurrentCalls) concurrent calls"
            ))
            return
        }
        let limit = configuration.maxConcurrentCallsPerService.isEmpty ? nil : configuration.maxConcurrentCallsPerService[header.service]
        if let limit, inFlightPerService[header.service, default: 0] + waitingToRun.count(where: { $0.limitedService == header.service }) >= limit {
            statistics.record(.rejected)
            respond(to: routingID, callID: header.callID, error: RPCError(
                code: .resourceExhausted,
                message: "\(header.service) is at its limit of \(limit) concurrent calls",
                metadata: [RPCError.notSentMetadataKey: "true"]
            ))
            return
        }
        // With no call in flight there is nothing to collide with: skip hashing the key.
        guard serials.isEmpty || serials[CallKey(routingID: routingID, callID: header.callID)] == nil else {
            statistics.record(.malformedMessage)
            respond(to: routingID, callID: header.callID, error: RPCError(code: .invalidArgument, message: "call id \(header.callID) is already in flight"))
            return
        }
        let timeout = ServerTimeouts.clamp(micros: header.timeoutMicros, configuration)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let context = ServerContext(
            method: method,
            metadata: WireFormat.metadata(header.metadata),
            deadline: deadline,
            attempt: max(header.attempt, 1),
            idempotencyKey: header.idempotencyKey,
            routingID: routingID
        )
        nextSerial += 1
        let call = AcceptedCall(
            serial: nextSerial,
            callID: header.callID,
            routingID: routingID,
            request: ServerRequest(payload: SerializedMessage(frame: payload), context: context, handler: handler),
            deadline: deadline,
            limitedService: limit == nil ? nil : header.service
        )
        if configuration.handlerExecution.onIOThread, #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            waitingToRun.append(call)  // run with the rest of the message's calls
            return
        }
        guard let chain, let loop else { return }
        let executor: (any TaskExecutor)? = configuration.handlerExecution.onIOThread ? loop : nil
        track(call, task: Self.spawn(call, chain: chain, loop: loop, executor: executor, logger: configuration.logger))
    }

    /// Starts a task of its own for one call; it posts the response to the loop.
    private static func spawn(
        _ call: AcceptedCall,
        chain: nonisolated(nonsending) @escaping @Sendable (ServerRequest) async throws -> SerializedMessage,
        loop: IOLoop<ServerDriver>,
        executor: (any TaskExecutor)?,
        logger: Logger
    ) -> Task<Void, Never> {
        let (serial, request, callID) = (call.serial, call.request, call.callID)
        return Task(executorPreference: executor) {
            let response = await run(chain, request, callID: callID, logger: logger)
            loop.submit(.finished(serial, response))
        }
    }

    /// Runs the calls of the message just read on the I/O thread, in as few tasks as their
    /// handlers allow (one, unless a handler suspends); sends the answers of those that finish at
    /// once and tracks the others.
    private func runWaitingCalls() {
        guard !waitingToRun.isEmpty else { return }
        guard #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *), let chain, let loop else { return }
        var calls = waitingToRun
        waitingToRun.removeAll(keepingCapacity: true)
        while !calls.isEmpty {
            let batch = InlineBatch(calls: calls)
            let task = batch.start(chain: chain, loop: loop, logger: configuration.logger)
            let outcome = batch.detach()
            for (index, response) in outcome.responses.enumerated() {
                if let response { enqueue(to: calls[index].routingID, header: response.header, payload: response.payload) }
            }
            if outcome.suspended { track(calls[outcome.responses.count], task: task) }
            calls = Array(calls[outcome.notStarted...])
        }
    }

    /// Registers a call whose handler is still running: its deadline, CANCEL and the limits
    /// apply until its response arrives as a `finished` command.
    private func track(_ call: AcceptedCall, task: Task<Void, Never>) {
        let key = CallKey(routingID: call.routingID, callID: call.callID)
        inFlight[call.serial] = InFlight(key: key, routingID: call.routingID, task: task, limitedService: call.limitedService)
        // A client that reused a call id within one message has both calls run; CANCEL names the first.
        if serials[key] == nil { serials[key] = call.serial }
        if let service = call.limitedService { inFlightPerService[service, default: 0] += 1 }
        timers.schedule(.call(serial: call.serial), at: call.deadline)
    }

    /// The handler serving `method`, nil when the server hosts no such method.
    private func handler(for method: MethodDescriptor) -> MethodHandler? {
        if let recent = recentHandler, recent.method.method == method.method, recent.method.service == method.service {
            return recent
        }
        let found = registry.handler(for: method)
        if found != nil { recentHandler = found }
        return found
    }

    /// Runs the chain and encodes its outcome as a response.
    nonisolated(nonsending) static func run(
        _ chain: nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage,
        _ request: ServerRequest,
        callID: UInt64,
        logger: Logger
    ) async -> EncodedResponse? {
        let context = request.context
        do {
            let payload = try await CallDeadline.$current.withValue(context.deadline) {
                try await chain(request)
            }
            let header = Zrpc_Wire_ResponseHeader(callID: callID, metadata: WireFormat.entries(context.responseTrailers))
            return EncodedResponse(header: try Zrpc_Wire_Header(kind: .response(header)).packedFrame(), payload: payload.frame)
        } catch {
            let status = Self.status(for: error, method: context.method, logger: logger)
            return try? errorResponse(callID: callID, error: status, trailers: context.responseTrailers)
        }
    }

    /// The status a client sees for what a handler threw: its own RPCError, CANCELLED, or
    /// UNKNOWN without details (the details go to the log).
    private static func status(for error: any Error, method: MethodDescriptor, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case is CancellationError:
            return RPCError(code: .cancelled, message: "the call was cancelled")
        default:
            logger.error("handler failed", metadata: ["method": "\(method)", "error.type": "\(type(of: error))"])
            return RPCError(code: .unknown, message: "the handler of \(method) failed")
        }
    }

    private static func errorResponse(callID: UInt64, error: RPCError, trailers: Metadata) throws -> EncodedResponse {
        var metadata = trailers
        for entry in error.metadata { metadata.append(entry.key, entry.value) }
        let header = Zrpc_Wire_ResponseHeader(
            callID: callID,
            statusCode: error.code.rawValue,
            statusMessage: error.message,
            metadata: WireFormat.entries(metadata),
            retryAfterMicros: error.retryAfter.map(WireFormat.micros) ?? 0
        )
        return EncodedResponse(header: try Zrpc_Wire_Header(kind: .response(header)).packedFrame(), payload: Frame())
    }

    /// Forgets a call in flight (finished, timed out or cancelled).
    private func removeCall(serial: UInt64) -> InFlight? {
        guard let call = inFlight.removeValue(forKey: serial) else { return nil }
        if serials[call.key] == serial { serials.removeValue(forKey: call.key) }
        if let service = call.limitedService { inFlightPerService[service, default: 1] -= 1 }
        return call
    }

    // MARK: Sending

    private func respond(to routingID: Frame, callID: UInt64, error: RPCError) {
        guard let response = try? Self.errorResponse(callID: callID, error: error, trailers: [:]) else { return }
        enqueue(to: routingID, header: response.header, payload: response.payload)
    }

    /// Queues a call's answer for the client at `routingID`; ``flush()`` sends it, with the others
    /// of this round for that client. A full message leaves at once.
    private func enqueue(to routingID: Frame, header: Frame, payload: Frame?) {
        if draining, unansweredPings == nil {
            peersToFlush[PeerKey(routingID)] = routingID
        }
        let index: Int
        if let recent = recentPeer, recent.routingID === routingID {
            index = recent.index
        } else if let existing = outgoingIndex[PeerKey(routingID)] {
            index = existing
            recentPeer = (routingID, index)
        } else {
            guard let message = try? WireFormat.OutgoingMessage(routingID: routingID) else {
                statistics.record(.undeliverable)
                return
            }
            index = outgoing.count
            outgoing.append(message)
            outgoingIndex[PeerKey(routingID)] = index
            recentPeer = (routingID, index)
        }
        outgoing[index].append(header: header, payload: payload)
        if outgoing[index].isFull {
            send(outgoing[index])
            outgoing[index].removeCalls()
        }
    }

    private func send(_ message: WireFormat.OutgoingMessage) {
        do {
            if try !socket.send(message.frames, dontWait: true) {
                statistics.record(.undeliverable, count: message.calls)
            }
        } catch {
            // EHOSTUNREACH (ROUTER_MANDATORY): the client is gone. Nothing to deliver to.
            statistics.record(.undeliverable, count: message.calls)
        }
    }

    /// Once draining and idle: pings the clients answered while draining, then finishes when
    /// they have all answered (or after a second).
    private func resumeDrainWaitersIfIdle() {
        guard draining, inFlight.isEmpty, !drainWaiters.isEmpty, unansweredPings == nil else { return }
        flush()  // each ping must follow the responses queued for its client
        var nonces: Set<UInt64> = []
        for (offset, routingID) in peersToFlush.values.enumerated() {
            let nonce = UInt64(offset + 1)
            let ping = Zrpc_Wire_Header(kind: .ping(.init(nonce: nonce)))
            guard let frames = try? WireFormat.frames(routingID: routingID, header: ping, payload: nil),
                (try? socket.send(frames, dontWait: true)) == true
            else { continue }
            nonces.insert(nonce)
        }
        peersToFlush.removeAll()
        unansweredPings = nonces
        if nonces.isEmpty {
            finishDrain()
        } else {
            timers.schedule(.flush, at: ContinuousClock.now.advanced(by: .seconds(1)))
        }
    }

    private func finishDrain() {
        guard !drainWaiters.isEmpty else { return }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }
}
