public import Logging
public import ProtobufC
internal import ZeroMQ

extension Client {
    /// How a client connects and what it applies to every call.
    ///
    /// ```swift
    /// var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:5555"])
    /// configuration.defaultTimeout = .seconds(2)
    /// ```
    public struct Configuration: Sendable {
        /// ZeroMQ endpoints of the servers; calls are spread across them.
        public var endpoints: [String]
        /// The timeout of a call whose options give none (internal calls: 5 seconds).
        public var defaultTimeout: Duration
        /// Per-method default timeouts (`service/method` → timeout), before ``defaultTimeout``.
        public var methodTimeouts: [String: Duration]
        /// Interceptors around every call, outermost first (outside the resilience layers).
        public var interceptors: [any ClientInterceptor]
        /// Retry, circuit breaker, bulkhead, cache and fallback layers for this service.
        public var resilience: ResiliencePolicy
        /// Where the client logs (its effective policy at start-up, breaker state changes).
        public var logger: Logger
        /// Bounds for decoding responses.
        public var decodingLimits: DecodingLimits
        /// The largest frame accepted from a server; libzmq drops a connection that sends more.
        public var maxFrameBytes: Int64
        /// How many messages a server may send on a stream before the caller has read them (the
        /// stream's credit window; at least 1). Bounds a stream's queue to this many responses.
        public var streamWindow: Int
        /// How often to retry connecting to a server that is down.
        public var reconnectInterval: Duration
        /// How often the connection to each server is probed (ZeroMQ heartbeats) while idle.
        public var heartbeatInterval: Duration
        /// How long a server may stay silent before its connection counts as lost: its calls in
        /// flight then fail at once with UNAVAILABLE (a server that exits or is killed is seen
        /// sooner, as soon as its connection closes).
        public var heartbeatTimeout: Duration
        /// A name for the client's I/O thread (shown by debuggers).
        public var name: String
        /// The transport context to make the socket in; nil makes one. Share one with a server
        /// in this process to call it over `inproc://`.
        public var transportContext: TransportContext?
        /// Where to find the servers by service name; when set, ``endpoints`` is ignored and the
        /// servers are those the directory lists for the service.
        public var directory: DirectoryLookup?
        /// How the sockets secure their connections (default ``TransportSecurity/plaintext``); a
        /// client uses ``TransportSecurity/curveClient(keys:serverPublicKey:)``.
        public var security: TransportSecurity

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - endpoints: The servers, e.g. `["tcp://127.0.0.1:5555"]`.
        ///   - defaultTimeout: The timeout of calls that set none.
        ///   - interceptors: Interceptors around every call, outermost first.
        public init(
            endpoints: [String],
            defaultTimeout: Duration = .seconds(5),
            interceptors: [any ClientInterceptor] = []
        ) {
            self.endpoints = endpoints
            self.defaultTimeout = defaultTimeout
            self.methodTimeouts = [:]
            self.interceptors = interceptors
            self.resilience = .none
            self.logger = Logger(label: "zrpc.client")
            self.decodingLimits = .defaults
            self.maxFrameBytes = Int64(DecodingLimits.defaults.maxMessageBytes) * 2
            self.streamWindow = 128
            self.reconnectInterval = .milliseconds(100)
            self.heartbeatInterval = .seconds(1)
            self.heartbeatTimeout = .seconds(3)
            self.name = "zrpc-client"
            self.transportContext = nil
            self.directory = nil
            self.security = .plaintext
        }
    }
}
