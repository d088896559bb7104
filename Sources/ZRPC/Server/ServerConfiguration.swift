public import Logging
public import ProtobufC
internal import ZeroMQ

extension Server {
    /// Where a server listens and the limits it enforces.
    ///
    /// ```swift
    /// var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
    /// configuration.maxConcurrentCalls = 256
    /// configuration.handlerExecution = .concurrent   // handlers that block or compute for long
    /// ```
    public struct Configuration: Sendable {
        /// ZeroMQ endpoints to bind, e.g. `tcp://127.0.0.1:5555` (`tcp://127.0.0.1:*` picks a port).
        public var endpoints: [String]
        /// How many handlers may run at once; a call beyond it gets RESOURCE_EXHAUSTED at once.
        public var maxConcurrentCalls: Int
        /// How many calls one client (one connection: a ROUTER routing id) may have in flight; beyond
        /// it, RESOURCE_EXHAUSTED at once for that client only, so a client that floods the server
        /// or never reads its answers cannot take every slot of ``maxConcurrentCalls``. Default 256
        /// (a quarter of the default server-wide limit).
        ///
        /// ```swift
        /// configuration.maxConcurrentCallsPerClient = 64
        /// ```
        public var maxConcurrentCallsPerClient: Int
        /// How many calls a second one client (one connection) may start, or nil for no limit (the
        /// default: the right rate depends on the service). A client may send a second's worth at
        /// once; beyond the rate its new calls get RESOURCE_EXHAUSTED at once (not run, so safe to
        /// retry after a backoff), counted in `overClientLimit` and logged once per client per 10 s;
        /// other clients are not affected.
        ///
        /// ```swift
        /// configuration.maxCallsPerSecondPerClient = 500
        /// ```
        public var maxCallsPerSecondPerClient: Int?
        /// Per-service bulkheads: at most this many calls of a service (by full name) run at once;
        /// beyond it, RESOURCE_EXHAUSTED at once, so one slow service cannot take every slot.
        public var maxConcurrentCallsPerService: [String: Int]
        /// The timeout of a call whose client sent none.
        public var defaultTimeout: Duration
        /// The longest timeout honoured; longer (or absurd) timeouts are clamped to it.
        public var maxTimeout: Duration
        /// The largest request payload accepted; larger ones get RESOURCE_EXHAUSTED.
        public var maxRequestBytes: Int
        /// Bounds for decoding requests.
        public var decodingLimits: DecodingLimits
        /// Where handlers run (default ``HandlerExecution/adaptive``: on the I/O thread, watched).
        public var handlerExecution: HandlerExecution
        /// How many messages a client may send on a stream before the handler has read them (the
        /// stream's credit window; at least 16). Bounds a stream's queue to this many requests.
        public var streamWindow: Int
        /// Interceptors around every handler, outermost first.
        public var interceptors: [any ServerInterceptor]
        /// How long a graceful shutdown waits for calls in flight before cancelling them.
        public var gracePeriod: Duration
        /// How often each client connection is probed with a ZMTP heartbeat (`ZMQ_HEARTBEAT_IVL`).
        ///
        /// ```swift
        /// configuration.heartbeatInterval = .seconds(5)
        /// configuration.heartbeatTimeout = .seconds(15)   // a silent client is dropped after 15 s
        /// ```
        public var heartbeatInterval: Duration
        /// How long a client connection may stay silent before libzmq drops it
        /// (`ZMQ_HEARTBEAT_TIMEOUT`); answers to it are then counted as undeliverable.
        public var heartbeatTimeout: Duration
        /// Where the server logs (never request contents).
        public var logger: Logger
        /// A name for the server's I/O thread.
        public var name: String
        /// The transport context to make the socket in; nil makes one. Share one with clients in
        /// this process to serve them over `inproc://`.
        public var transportContext: TransportContext?
        /// Where the server announces its services, so clients can find them by name; nil (the
        /// default) announces nothing.
        public var directory: DirectoryRegistration?
        /// How the socket secures its connections (default ``TransportSecurity/plaintext``); a server
        /// uses ``TransportSecurity/curveServer(keys:allowList:)``.
        public var security: TransportSecurity
        /// Which clients may call what (CURVE only; default: every client the allow-list admits).
        public var authorization: ServerAuthorization

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - endpoints: Endpoints to bind.
        ///   - logger: Where the server logs.
        public init(endpoints: [String], logger: Logger = Logger(label: "zrpc.server")) {
            self.endpoints = endpoints
            self.maxConcurrentCalls = 1024
            self.maxConcurrentCallsPerClient = 256
            self.maxConcurrentCallsPerService = [:]
            self.maxCallsPerSecondPerClient = nil
            self.defaultTimeout = .seconds(5)
            self.maxTimeout = .seconds(300)
            self.maxRequestBytes = 4 << 20
            self.decodingLimits = .defaults
            self.handlerExecution = .adaptive
            self.streamWindow = 128
            self.interceptors = []
            self.gracePeriod = .seconds(10)
            self.heartbeatInterval = .seconds(1)
            self.heartbeatTimeout = .seconds(3)
            self.logger = logger
            self.name = "zrpc-server"
            self.transportContext = nil
            self.directory = nil
            self.security = .plaintext
            self.authorization = .allowAll
        }
    }

    /// Where a server runs its handlers.
    public struct HandlerExecution: Hashable, Sendable {
        /// How ``adaptive`` watches the I/O thread.
        public struct Watchdog: Hashable, Sendable {
            /// How long handler code may hold the I/O thread before it is reported.
            public var threshold: Duration
            /// Whether a service whose handler held the thread has its later calls run off it.
            public var movesBlockingServices: Bool

            /// Creates watchdog settings.
            ///
            /// - Parameters:
            ///   - threshold: How long handler code may hold the I/O thread (at least 1 ms).
            ///   - movesBlockingServices: Whether to move a blocking service off the I/O thread.
            public init(threshold: Duration = .milliseconds(20), movesBlockingServices: Bool = true) {
                self.threshold = threshold
                self.movesBlockingServices = movesBlockingServices
            }
        }

        let onIOThread: Bool
        /// The watchdog, for ``adaptive``.
        public let watchdog: Watchdog?

        /// On Swift's global concurrent executor: handlers may block or compute; each call costs a
        /// thread switch each way.
        public static let concurrent = HandlerExecution(onIOThread: false, watchdog: nil)
        /// On the server's I/O thread, between polls, unwatched: no thread switch per call, but a
        /// handler that blocks or computes for long stalls every call. Handlers that await other
        /// work still suspend normally.
        public static let ioThread = HandlerExecution(onIOThread: true, watchdog: nil)
        /// The default: handlers start on the I/O thread, as with ``ioThread``, and a watchdog
        /// catches handler code that holds the thread longer than 20 ms, logs the method, and
        /// moves its service's later calls off the I/O thread (as with ``concurrent``).
        public static let adaptive = watched(Watchdog())

        /// Handlers on the I/O thread, watched with these settings (``adaptive`` with your own).
        ///
        /// ```swift
        /// configuration.handlerExecution = .watched(.init(threshold: .milliseconds(5), movesBlockingServices: false))
        /// ```
        ///
        /// - Parameter watchdog: The threshold, and whether to move blocking services.
        public static func watched(_ watchdog: Watchdog) -> HandlerExecution {
            HandlerExecution(onIOThread: true, watchdog: watchdog)
        }
    }
}
