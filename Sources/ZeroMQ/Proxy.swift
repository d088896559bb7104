internal import CZeroMQ

/// libzmq's built-in proxy (`zmq_proxy_steerable`): shuttles messages between two sockets.
///
/// Typical devices: ROUTER ↔ DEALER (a request broker), XSUB ↔ XPUB (a pub/sub forwarder),
/// PULL ↔ PUSH (a pipeline streamer).
///
/// ```swift
/// // On a dedicated thread that owns all four sockets:
/// let frontend = try Socket(context, type: .xsubscribe)
/// let backend = try Socket(context, type: .xpublish)
/// let control = try Socket(context, type: .pair)
/// try frontend.bind("tcp://*:5556"); try backend.bind("tcp://*:5557"); try control.bind("inproc://proxy-control")
/// try Proxy.run(frontend: frontend, backend: backend, control: control)   // returns after TERMINATE
///
/// // Elsewhere, with a PAIR connected to inproc://proxy-control:
/// try Proxy.send(.terminate, to: controller)
/// ```
public enum Proxy {
    /// Runs the proxy, blocking the calling thread until a ``Command/terminate`` arrives on `control` or the
    /// context shuts down. Run it on a dedicated thread that owns all the sockets.
    ///
    /// Every message received on `frontend` is sent on `backend` and vice versa; a copy of each frame goes
    /// to `capture` if given.
    ///
    /// - Important: In libzmq 4.3.4 any message on `control` other than the four ``Command``s aborts the
    ///   process (an assertion in libzmq). Bind `control` to an endpoint only trusted code can reach
    ///   (`inproc://`), and send only ``Command``s, with ``send(_:to:)``.
    ///
    /// - Parameters:
    ///   - frontend: One side (for example the ROUTER or XSUB clients connect to).
    ///   - backend: The other side (for example the DEALER or XPUB workers connect to).
    ///   - capture: Receives a copy of every frame (PUB, PUSH, DEALER or PAIR), or `nil`.
    ///   - control: Receives ``Command``s (PAIR, SUB or REP), or `nil` for a proxy stopped only by
    ///     shutting the context down.
    /// - Throws: ``ZMQError``, `contextTerminated` when the context shuts down, `notSocket` if a socket is
    ///   closed.
    public static func run(
        frontend: Socket,
        backend: Socket,
        capture: Socket? = nil,
        control: Socket? = nil
    ) throws(ZMQError) {
        let operation = "zmq_proxy_steerable"
        let frontendHandle = try frontend.openHandle(operation)
        let backendHandle = try backend.openHandle(operation)
        let captureHandle = try capture.map { socket throws(ZMQError) in try socket.openHandle(operation) }
        let controlHandle = try control.map { socket throws(ZMQError) in try socket.openHandle(operation) }
        try withExtendedLifetime((frontend, backend, capture, control)) { () throws(ZMQError) -> Void in
            try zmqCompletingCall(operation) {
                zmq_proxy_steerable(frontendHandle, backendHandle, captureHandle, controlHandle)
            }
        }
    }

    /// Sends a command to a running proxy's control socket.
    ///
    /// - Parameters:
    ///   - command: The command.
    ///   - socket: A socket connected to the proxy's `control` socket (for example a PAIR).
    /// - Throws: ``ZMQError``.
    public static func send(_ command: Command, to socket: Socket) throws(ZMQError) {
        try socket.send([try Frame(command.rawValue)])
    }

    /// A command for a running proxy's control socket.
    public struct Command: Hashable, Sendable, CustomStringConvertible {
        /// The command text sent as a single frame.
        public let rawValue: String

        private init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// `PAUSE`: stop forwarding (messages queue up to the high-water marks).
        public static let pause = Command("PAUSE")
        /// `RESUME`: resume forwarding after ``pause``.
        public static let resume = Command("RESUME")
        /// `TERMINATE`: stop the proxy; ``Proxy/run(frontend:backend:capture:control:)`` returns.
        public static let terminate = Command("TERMINATE")
        /// `STATISTICS`: the proxy replies on the control socket with 8 frames of 8-byte counters
        /// (frontend messages/bytes received/sent, then the backend's).
        public static let statistics = Command("STATISTICS")

        /// The command text.
        public var description: String {
            rawValue
        }
    }
}
