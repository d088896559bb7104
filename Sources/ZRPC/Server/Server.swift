public import ServiceLifecycle
import Synchronization
internal import ZeroMQ

/// Hosts services on one or more endpoints: a ROUTER socket owned by an I/O thread, handlers run
/// concurrently up to a limit, deadlines and cancellation enforced, and a built-in health service
/// (`zrpc.health.Health`).
///
/// Nothing happens until it runs. It is a swift-service-lifecycle `Service`: ``run()`` binds, serves
/// until graceful shutdown (new calls refused, calls in flight given ``Configuration/gracePeriod``
/// to finish) and returns. ``withServer(configuration:services:_:)`` does the same around a body.
///
/// ```swift
/// try await Server.withServer(
///     configuration: .init(endpoints: ["tcp://127.0.0.1:*"]),
///     services: [EchoService()]
/// ) { server in
///     print(server.boundEndpoints)       // "tcp://127.0.0.1:41234"
///     …                                   // serve until the body returns
/// }
/// ```
public final class Server: Service, Sendable {
    /// What this server was made with.
    public let configuration: Configuration
    /// Counters of refused, malformed and undeliverable traffic.
    public let statistics = ServerStatistics()
    /// Readiness and per-service serving status, reported by the health service.
    public let health: HealthStatus

    private let registry: ServiceRegistry
    /// The I/O thread's watchdog, for ``HandlerExecution/adaptive``.
    private let watch: IOThreadWatch?
    private let endpoints = BoundEndpoints()
    private let shutdown = ShutdownSignal()
    private let state = Mutex(State())

    private struct State {
        enum Phase {
            case idle
            case starting
            case serving
            case stopped(failure: (any Error)?)
        }

        var phase = Phase.idle
        /// Callers of ``listeningEndpoints`` waiting for the bind.
        var listeners = Waiters<[String], any Error>()
    }

    /// Creates a server; nothing is bound until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: Endpoints and limits.
    ///   - services: The services to host; the health service is added unless one is given.
    public init(configuration: Configuration, services: [any RPCService]) {
        self.configuration = configuration
        let hosted = services.map(\.serviceDescriptor.fullName)
        let health = HealthStatus(services: Set(hosted))
        self.health = health
        var all = services
        if !hosted.contains(Zrpc_Health_Health.descriptor.fullName) {
            all.append(HealthService(status: health))
        }
        let registry = ServiceRegistry(services: all)
        self.registry = registry
        watch = configuration.handlerExecution.watchdog.map {
            IOThreadWatch(settings: $0, methods: registry.methods, logger: configuration.logger)
        }
    }

    /// The services whose calls run off the I/O thread because one of their handlers held it
    /// longer than the watchdog allows (``HandlerExecution/adaptive``); empty
    /// otherwise.
    public var servicesMovedOffIOThread: Set<String> {
        watch?.movedServices ?? []
    }

    /// Runs a server around `body`: binds, calls `body` once it listens, then shuts down
    /// gracefully when `body` returns or throws, whatever happens.
    ///
    /// - Parameters:
    ///   - configuration: Endpoints and limits.
    ///   - services: The services to host.
    ///   - body: Uses the running server (say, reads ``boundEndpoints`` and runs clients).
    /// - Returns: What `body` returned.
    /// - Throws: What ``run()`` threw (the server could not start), or what `body` threw.
    nonisolated(nonsending) public static func withServer<Result: Sendable>(
        configuration: Configuration,
        services: [any RPCService],
        _ body: (Server) async throws -> Result
    ) async throws -> Result {
        try await withRunning(
            Server(configuration: configuration, services: services),
            ready: { _ = try await $0.listeningEndpoints },
            body
        )
    }

    /// The endpoints bound, with ports resolved (`tcp://127.0.0.1:*` → `tcp://127.0.0.1:41234`);
    /// empty until the server listens.
    public var boundEndpoints: [String] { endpoints.value }

    /// The endpoints bound, once the server listens (waits for ``run()`` to bind them).
    ///
    /// - Throws: ``RPCError`` (`UNAVAILABLE`) when the server could not start or has stopped.
    public var listeningEndpoints: [String] {
        get async throws {
            try await withCheckedThrowingContinuation { listener in
                let outcome = state.withLock { state -> Swift.Result<[String], any Error>? in
                    switch state.phase {
                    case .idle, .starting:
                        state.listeners.park(listener)
                        return nil
                    case .serving:
                        return .success(endpoints.value)
                    case .stopped(let failure):
                        return .failure(failure ?? RPCError(code: .unavailable, message: "the server has stopped"))
                    }
                }
                if let outcome { listener.resume(with: outcome) }
            }
        }
    }

    /// Binds the endpoints and serves until graceful shutdown (swift-service-lifecycle's, a call
    /// to ``beginGracefulShutdown()``) or task cancellation; then refuses new calls, waits up to
    /// ``Configuration/gracePeriod`` for calls in flight (not at all when cancelled), cancels what
    /// is left, closes the sockets and returns.
    ///
    /// - Throws: ``RPCError``: `UNAVAILABLE` when the server could not start (an address in use, a
    ///   malformed endpoint: the ``RPCError/cause`` says which), `FAILED_PRECONDITION` when it ran before.
    public func run() async throws {
        let claimed = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .starting
            return true
        }
        guard claimed else {
            throw RPCError(code: .failedPrecondition, message: "the server ran before: make a new one")
        }
        let (loop, context) = try await start()
        let announcer = makeAnnouncer()
        let announcing = announcer.map { announcer in Task { await announcer.run() } }
        await shutdown.wait()
        await announcer?.beginDraining()
        let grace = Task.isCancelled ? Duration.zero : configuration.gracePeriod
        let deadline = ContinuousClock.now.advanced(by: grace)
        await withCheckedContinuation { done in loop.submit(.drain(deadline: deadline, done: done)) }
        await announcer?.withdraw()
        announcing?.cancel()
        await announcing?.value
        await loop.shutdown()
        watch?.stop()
        if configuration.transportContext == nil { context.shutdown() }
        finish(failure: nil)
        configuration.logger.info("server stopped")
    }

    /// Starts shutting down: new calls are refused (UNAVAILABLE, not sent) from now on, and
    /// ``run()`` lets calls in flight finish within the grace period and returns. Returns at once; safe to call any number of times, before
    /// ``run()`` too (it then returns as soon as it has bound).
    public func beginGracefulShutdown() {
        shutdown.request()
    }

    /// The directory announcer, when the configuration names a directory (nil, logged, when its
    /// client cannot be made).
    private func makeAnnouncer() -> DirectoryAnnouncer? {
        guard let registration = configuration.directory else { return nil }
        let endpoints = endpoints
        do {
            return try DirectoryAnnouncer(
                registration: registration,
                services: registry.services,
                endpoints: { endpoints.value },
                health: health,
                logger: configuration.logger
            )
        } catch {
            configuration.logger.error("cannot announce to the directory", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Makes the context and binds on a new I/O thread.
    private func start() async throws -> (IOLoop<ServerDriver>, Context) {
        do {
            let context = try configuration.transportContext?.context ?? Context()
            let configuration = configuration
            let registry = registry
            let statistics = statistics
            let endpoints = endpoints
            let shutdown = shutdown
            let watch = watch
            let loop = try IOLoop<ServerDriver>(name: configuration.name, watch: watch)
            try await loop.start {
                try ServerDriver(
                    context: context,
                    configuration: configuration,
                    registry: registry,
                    statistics: statistics,
                    boundEndpoints: endpoints,
                    shutdown: shutdown,
                    watch: watch
                )
            }
            watch?.start()
            let listeners = state.withLock { state in
                state.phase = .serving
                return state.listeners.takeAll()
            }
            for listener in listeners { listener.resume(returning: endpoints.value) }
            configuration.logger.info("server started", metadata: ["endpoints": "\(boundEndpoints)"])
            return (loop, context)
        } catch {
            // A refusal by configuration (plain text where security is required) keeps its code.
            let failure =
                error as? RPCError
                ?? RPCError(code: .unavailable, message: "the server could not start: \(error)", cause: error)
            finish(failure: failure)
            throw failure
        }
    }

    private func finish(failure: (any Error)?) {
        let listeners = state.withLock { state in
            state.phase = .stopped(failure: failure)
            return state.listeners.takeAll()
        }
        let error = failure ?? RPCError(code: .unavailable, message: "the server stopped before it listened")
        for listener in listeners { listener.resume(throwing: error) }
    }
}
