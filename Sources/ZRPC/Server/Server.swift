public import ServiceLifecycle
import Synchronization
internal import ZeroMQ

/// Hosts services on one or more ZeroMQ endpoints: a ROUTER socket owned by an I/O thread,
/// handlers run concurrently up to a limit, deadlines and cancellation enforced, and a built-in
/// health service (`zrpc.health.Health`).
///
/// It is a swift-service-lifecycle `Service`: ``run()`` serves until graceful shutdown (new
/// calls refused, calls in flight given ``Configuration/gracePeriod`` to finish).
///
/// ```swift
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:5555"]), services: [EchoService()])
/// try await server.start()
/// print(server.boundEndpoints)
/// …
/// await server.shutdown()
/// ```
public final class Server: Service, Sendable {
    /// What this server was made with.
    public let configuration: Configuration
    /// Counters of refused, malformed and undeliverable traffic.
    public let statistics = ServerStatistics()
    /// Readiness and per-service serving status, reported by the health service.
    public let health: HealthStatus

    private let registry: ServiceRegistry
    private let endpoints = BoundEndpoints()
    private let state = Mutex(State())

    private struct State {
        enum Phase {
            case idle
            case starting
            case running(IOLoop<ServerDriver>, Context)
            case stopping
            case stopped
        }

        var phase = Phase.idle
        /// Tasks waiting for the server to stop (``run()``, concurrent ``shutdown()`` calls).
        var stopWaiters = Waiters<Void, Never>()
    }

    /// Creates a server; nothing is bound until ``start()`` or ``run()``.
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
        self.registry = ServiceRegistry(services: all)
    }

    /// The endpoints bound, with ports resolved (`tcp://127.0.0.1:*` → `tcp://127.0.0.1:41234`).
    public var boundEndpoints: [String] { endpoints.value }

    /// Binds the endpoints and starts serving.
    ///
    /// - Throws: ``ZeroMQ/ZMQError`` when an endpoint cannot be bound (in use, malformed),
    ///   or ``RPCError`` when the server was started before.
    public func start() async throws {
        let claimed = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .starting
            return true
        }
        guard claimed else { throw RPCError(code: .failedPrecondition, message: "the server was started before") }
        do {
            let context = try configuration.transportContext?.context ?? Context()
            let configuration = configuration
            let registry = registry
            let statistics = statistics
            let endpoints = endpoints
            let loop = try await IOLoop(name: configuration.name) {
                try ServerDriver(
                    context: context,
                    configuration: configuration,
                    registry: registry,
                    statistics: statistics,
                    boundEndpoints: endpoints
                )
            }
            state.withLock { $0.phase = .running(loop, context) }
            configuration.logger.info("server started", metadata: ["endpoints": "\(boundEndpoints)"])
        } catch {
            // Nothing was started: the server can be started again (say, once the address is free).
            finish(nextPhase: .idle)
            throw error
        }
    }

    /// Runs until graceful shutdown or task cancellation (swift-service-lifecycle `Service`),
    /// starting the server first if needed.
    public func run() async throws {
        if state.withLock({ if case .idle = $0.phase { return true } else { return false } }) {
            try await start()
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await waitUntilStopped()
            } onGracefulShutdown: {
                self.beginGracefulShutdown()
            }
        } onCancel: {
            self.beginGracefulShutdown()
        }
    }

    /// Starts a graceful shutdown in the background; ``run()`` returns when it completes.
    public func beginGracefulShutdown() {
        Task { await self.shutdown() }
    }

    /// Refuses new calls (UNAVAILABLE), waits up to ``Configuration/gracePeriod`` for calls in
    /// flight, cancels what is left, then closes the sockets.
    public func shutdown() async {
        let running = state.withLock { state -> (IOLoop<ServerDriver>, Context)? in
            switch state.phase {
            case .running(let loop, let context):
                state.phase = .stopping
                return (loop, context)
            case .idle:
                state.phase = .stopped
                return nil
            case .starting, .stopping, .stopped:
                return nil
            }
        }
        guard let (loop, context) = running else {
            await waitUntilStopped()
            return
        }
        let deadline = ContinuousClock.now.advanced(by: configuration.gracePeriod)
        await withCheckedContinuation { done in loop.submit(.drain(deadline: deadline, done: done)) }
        await loop.shutdown()
        if configuration.transportContext == nil { context.shutdown() }
        finish()
        configuration.logger.info("server stopped")
    }

    private func finish(nextPhase: State.Phase = .stopped) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.phase = nextPhase
            return state.stopWaiters.takeAll()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the server has stopped (at once if it never started or has stopped).
    private func waitUntilStopped() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                switch state.phase {
                case .idle, .stopped:
                    return true
                case .starting, .running, .stopping:
                    state.stopWaiters.park(waiter)
                    return false
                }
            }
            if resumeNow { waiter.resume() }
        }
    }
}
