public import Logging
public import ProtobufC
internal import ZeroMQ

extension Server {
    /// Where a server listens and the limits it enforces.
    ///
    /// ```swift
    /// var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
    /// configuration.maxConcurrentCalls = 256
    /// configuration.handlerExecution = .ioThread   // short, non-blocking handlers only
    /// ```
    public struct Configuration: Sendable {
        /// ZeroMQ endpoints to bind, e.g. `tcp://127.0.0.1:5555` (`tcp://127.0.0.1:*` picks a port).
        public var endpoints: [String]
        /// How many handlers may run at once; a call beyond it gets RESOURCE_EXHAUSTED at once.
        public var maxConcurrentCalls: Int
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
        /// Where handlers run.
        public var handlerExecution: HandlerExecution
        /// How many messages a client may send on a stream before the handler has read them (the
        /// stream's credit window; at least 16). Bounds a stream's queue to this many requests.
        public var streamWindow: Int
        /// Interceptors around every handler, outermost first.
        public var interceptors: [any ServerInterceptor]
        /// How long a graceful shutdown waits for calls in flight before cancelling them.
        public var gracePeriod: Duration
        /// Where the server logs (never request contents).
        public var logger: Logger
        /// A name for the server's I/O thread.
        public var name: String
        /// The transport context to make the socket in; nil makes one. Share one with clients in
        /// this process to serve them over `inproc://`.
        public var transportContext: TransportContext?

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - endpoints: Endpoints to bind.
        ///   - logger: Where the server logs.
        public init(endpoints: [String], logger: Logger = Logger(label: "zrpc.server")) {
            self.endpoints = endpoints
            self.maxConcurrentCalls = 1024
            self.maxConcurrentCallsPerService = [:]
            self.defaultTimeout = .seconds(5)
            self.maxTimeout = .seconds(300)
            self.maxRequestBytes = 4 << 20
            self.decodingLimits = .defaults
            self.handlerExecution = .concurrent
            self.streamWindow = 128
            self.interceptors = []
            self.gracePeriod = .seconds(10)
            self.logger = logger
            self.name = "zrpc-server"
            self.transportContext = nil
        }
    }

    /// Where a server runs its handlers.
    public struct HandlerExecution: Hashable, Sendable {
        let onIOThread: Bool

        /// On Swift's global concurrent executor (the default): handlers may block or compute.
        public static let concurrent = HandlerExecution(onIOThread: false)
        /// On the server's I/O thread, between polls: no thread switch per call, the fastest
        /// option, but a handler that blocks or computes for long stalls every call. Handlers
        /// that await other work still suspend normally.
        public static let ioThread = HandlerExecution(onIOThread: true)
    }
}
