import Logging
internal import ZeroMQ

/// The server's socket work, on its I/O thread: a thin layer that reads calls from one ROUTER
/// socket and performs what the value state machines decide.
///
/// - ``ServerCallTable`` admits calls against the limits and tracks them until they are answered;
/// - ``DrainStateMachine`` runs graceful shutdown;
/// - ``ResponseBatches`` gathers a round's answers into one message per client.
///
/// Handlers run in a task per call, or with `.ioThread` the calls of a message in one task on this
/// thread (``InlineBatch``). A malformed message from one client is counted and answered (or
/// dropped) without disturbing any other call.
final class ServerDriver: IOLoopDriver {
    enum Command: Sendable {
        /// A handler finished: send its response (nil when none could be encoded). The call is
        /// named by its serial number in the call table.
        case finished(UInt64, EncodedResponse?)
        /// A streaming handler wrote a message (credit already taken).
        case streamMessage(UInt64, SerializedMessage)
        /// A streaming handler read messages: grant the client that many more.
        case grant(UInt64, Int)
        /// Refuse new calls; when the calls in flight are done, or at `deadline`, resume.
        case drain(deadline: ContinuousClock.Instant, done: CheckedContinuation<Void, Never>)
    }

    /// A response's header and payload frames, encoded by the handler's task.
    struct EncodedResponse: Sendable {
        let header: Frame
        let payload: Frame
    }

    enum TimerKey {
        case call(serial: UInt64)
        case drain
        case flush
        case releaseMemory
    }

    let configuration: Server.Configuration
    let registry: ServiceRegistry
    let statistics: ServerStatistics
    private let boundEndpoints: BoundEndpoints
    /// Asked for before the drain command arrives: new calls are refused from that moment.
    let shutdown: ShutdownSignal
    let socket: Socket
    /// When a client's connection ends (the socket's monitor).
    private var departures: ClientDepartures
    /// The loop's poller, whose readiness says when to read ``departures``.
    private weak var poller: DescriptorPoller?
    /// When to hand a burst's freed memory back to the system.
    var memoryRelease = MemoryRelease()
    /// The socket's place in the ZAP handler, for a CURVE server (kept as long as the socket).
    private let zap: ZAPRegistration?
    /// Whether calls carry the client's CURVE public key (the `User-Id` the ZAP handler gave).
    let authenticates: Bool
    weak var loop: IOLoop<ServerDriver>?
    var chain: ServerChain?
    var table: ServerCallTable<ClientAddress, Task<Void, Never>>
    var drain = DrainStateMachine<ClientAddress>()
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var timers = TimerQueue<TimerKey>()
    var batches = ResponseBatches()
    /// The handler of the last call started: consecutive calls to one method skip the lookup.
    var recentHandler: ServiceRegistry.Registered?
    /// Watches the I/O thread for handlers that hold it (``Server.HandlerExecution/adaptive``).
    let watch: IOThreadWatch?
    /// Calls whose task prefers the I/O thread and has not finished, with their method's index:
    /// the candidates when a resumed task holds the thread.
    var onIOThread: [UInt64: Int] = [:]
    /// The streams of the streaming calls in the table, by serial number.
    var streams: [UInt64: ServerStream] = [:]
    /// Handlers waiting for a stream message of the message being read (see ``wakeReaders()``).
    var readersToWake: [StreamInbox] = []
    /// Calls of the message being read that run on the I/O thread, started together once the
    /// whole message is parsed (``runWaitingCalls()``).
    var waitingToRun: [AcceptedCall] = []
    /// The call ids of the requests in the message being read, to drop one repeated within it.
    var callIDsInMessage: [UInt64] = []
    /// Clients over ``Server/Configuration/maxConcurrentCallsPerClient`` or
    /// ``Server/Configuration/maxCallsPerSecondPerClient`` are logged once per 10 s each.
    var overClientLimitLog = OncePerInterval<PeerKey>(interval: .seconds(10))
    /// Each client's calls a second, when ``Server/Configuration/maxCallsPerSecondPerClient`` is set.
    var rateLimiter: ClientRateLimiter<PeerKey>?
    /// Oversized messages are logged at most once per 10 s (their sender is not read).
    var oversizedMessageLog = OncePerInterval<Int>(interval: .seconds(10))

    init(
        context: Context,
        configuration: Server.Configuration,
        registry: ServiceRegistry,
        statistics: ServerStatistics,
        boundEndpoints: BoundEndpoints,
        shutdown: ShutdownSignal,
        watch: IOThreadWatch?
    ) throws {
        self.configuration = configuration
        self.watch = watch
        self.registry = registry
        self.statistics = statistics
        self.boundEndpoints = boundEndpoints
        self.shutdown = shutdown
        table = ServerCallTable(
            limits: .init(
                maxConcurrentCalls: configuration.maxConcurrentCalls,
                maxConcurrentCallsPerClient: configuration.maxConcurrentCallsPerClient,
                maxConcurrentCallsPerService: configuration.maxConcurrentCallsPerService,
                maxRequestBytes: configuration.maxRequestBytes
            )
        )
        rateLimiter = configuration.maxCallsPerSecondPerClient.map { ClientRateLimiter(callsPerSecond: $0) }
        socket = try Socket(context, type: .router)
        try socket.set(.routerMandatory, true)
        // Per client: at most 1,000 answer messages wait for a client that does not read (then they
        // are dropped and counted), and at most 1,000 of its messages wait to be read (then libzmq
        // stops reading its connection). A client that reads never comes near: it has at most
        // maxConcurrentCallsPerClient calls in flight.
        try socket.set(.sendHighWaterMark, 1_000)
        try socket.set(.receiveHighWaterMark, 1_000)
        try socket.set(.maxMessageSize, Int64(configuration.maxRequestBytes) * 2 + 65_536)
        try socket.set(.handshakeInterval, .seconds(5))
        try socket.set(.heartbeatInterval, configuration.heartbeatInterval)
        try socket.set(.heartbeatTimeout, configuration.heartbeatTimeout)
        departures = try ClientDepartures(watching: socket, context: context)
        zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
        authenticates = zap != nil
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
        try departures.add(to: poller)
        self.poller = poller
        chain = configuration.makeChain()
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .finished(let serial, let response):
            if !onIOThread.isEmpty, let index = onIOThread.removeValue(forKey: serial) {
                watch?.suspended(method: index, -1)
            }
            guard let call = table.remove(serial: serial) else { return }  // deadline passed or cancelled
            closeStream(serial: serial, RPCError(code: .failedPrecondition, message: "the call has ended"))
            if let response { enqueue(to: call.peer, header: response.header, payload: response.payload) }
            callRemoved()
        case .streamMessage(let serial, let message):
            sendStreamMessage(serial: serial, message)
        case .grant(let serial, let messages):
            grantCredit(serial: serial, messages)
        case .drain(let deadline, let done):
            drainWaiters.append(done)
            timers.schedule(.drain, at: deadline)
            perform(drain.beginDrain(idle: table.isEmpty))
        }
    }

    static func reject(_ command: Command) {
        guard case .drain(_, let done) = command else { return }
        done.resume()  // a stopped server has nothing left to drain
    }

    func serviceSockets(limit: Int) throws {
        try socket.receiveWaiting(
            limit: limit,
            maxFrames: 1 + WireFormat.maxFrames,
            onRejected: { recordOversizedMessage() }
        ) {
            receive($0)
        }
        if try departures.anyLeft(poller: poller), let at = memoryRelease.clientLeft(now: .now) {
            timers.schedule(.releaseMemory, at: at)
        }
    }

    func flush() {
        batches.sendAll { send($0) }
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents || departures.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        timers.dropStale(
            where: { key in
                switch key {
                case .call(let serial): !table.contains(serial: serial)
                case .drain, .flush: drainWaiters.isEmpty
                case .releaseMemory: false
                }
            },
            live: table.count
        )
        return timers.nextDeadline
    }

    func fireTimers(now: ContinuousClock.Instant) {
        for key in timers.popExpired(now: now) {
            switch key {
            case .call(let serial):
                guard let call = table.remove(serial: serial) else { continue }
                call.handle?.cancel()
                statistics.record(.deadlineExceeded)
                let error = RPCError(code: .deadlineExceeded, message: "the server's deadline for the call passed")
                closeStream(serial: serial, error)
                respond(to: call.peer, callID: call.callID, error: error)
                callRemoved()
            case .drain:
                perform(drain.gracePeriodEnded())
            case .flush:
                perform(drain.flushTimedOut())
            case .releaseMemory:
                let handedBack = FreedMemory.release()
                statistics.record(.memoryReleased)
                if let next = memoryRelease.released(handedBack: handedBack, now: .now) {
                    timers.schedule(.releaseMemory, at: next)
                }
            }
        }
    }

    func stop() {
        flush()
        for call in table.removeAll() {
            call.handle?.cancel()
            closeStream(serial: call.serial, RPCError(code: .unavailable, message: "the server stopped"))
        }
        resumeDrainWaiters()
        // Clients have confirmed (pong) reading every response, so nothing is left to flush: stop
        // listening at once, so a restarted server can bind the same address.
        for endpoint in boundEndpoints.value {
            try? socket.unbind(endpoint)
        }
        departures.close()
        socket.close()
    }
}
