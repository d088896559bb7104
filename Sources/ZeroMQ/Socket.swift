internal import CZeroMQ

/// A ZeroMQ socket.
///
/// Deliberately not `Sendable`: libzmq sockets are not thread-safe, so a socket belongs to the one thread
/// that created it (typically an I/O thread blocked in a ``Poller``). Only ``Frame``s cross threads.
///
/// Every socket starts with a linger of zero (pending messages are dropped on close) so that closing and
/// context termination never hang; set ``SocketOption/linger`` to change it.
///
/// ```swift
/// let context = try Context()
/// let server = try Socket(context, type: .reply)
/// try server.bind("tcp://127.0.0.1:*")
/// let client = try Socket(context, type: .request)
/// try client.connect(server.lastEndpoint)
/// try client.send([try Frame("ping")])
/// let request = try server.receive()
/// ```
///
/// After ``close()`` every operation throws ``ZMQError`` with code ``ZMQError/Code/notSocket``.
public final class Socket {
    /// The context the socket belongs to; kept alive for as long as the socket.
    public let context: Context
    /// The socket's type.
    public let type: SocketType

    /// The libzmq socket, `nil` once closed.
    private var handle: UnsafeMutableRawPointer?
    /// A message reused for each outgoing copy and for discarding frames (the socket has one owning thread).
    let scratch: UnsafeMutablePointer<zmq_msg_t>

    /// Messages a whole received message is read into by ``receiveMessage(dontWait:maxFrames:_:)``,
    /// each initialised and empty between calls; grown on demand.
    private var parts: UnsafeMutablePointer<zmq_msg_t>?
    private var partsCapacity = 0

    /// Whether the socket may hold messages or state changes that its notification descriptor will not
    /// announce: true after a send or a receive that got a frame, false once a non-blocking receive or an
    /// ``events`` query found nothing to read. A loop that waits on the descriptor
    /// (``DescriptorPoller``) must read until this is false first.
    public internal(set) var mayHaveUnannouncedEvents = true

    /// While an over-long message is being dropped a slice at a time, the frames dropped so far;
    /// `nil` otherwise (see `discardOversizedFrames(_:limit:)`).
    var oversizedMessageFramesDropped: Int?

    /// Creates a socket with a linger of zero.
    ///
    /// ```swift
    /// let dealer = try Socket(context, type: .dealer)
    /// ```
    ///
    /// - Parameters:
    ///   - context: The context that owns the socket.
    ///   - type: The socket type.
    /// - Throws: ``ZMQError``, for example `contextTerminated` after ``Context/shutdown()`` or
    ///   `tooManyOpenFiles`.
    public init(_ context: Context, type: SocketType) throws(ZMQError) {
        let handle = try zmqCompletingCall("zmq_socket(\(type))") { zmq_socket(context.handle, type.rawValue) }
        var linger: Int32 = 0
        do {
            try zmqCompletingCall("zmq_setsockopt(ZMQ_LINGER, 0)") {
                zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
            }
        } catch {
            zmq_close(handle)
            throw error
        }
        self.context = context
        self.type = type
        self.handle = handle
        self.scratch = .allocate(capacity: 1)
        zmq_msg_init(scratch)
    }

    deinit {
        close()
        zmq_msg_close(scratch)
        scratch.deallocate()
        releaseParts()
    }

    /// At least `capacity` initialised, empty messages to receive into.
    func receiveParts(capacity: Int) -> UnsafeMutablePointer<zmq_msg_t> {
        if let parts, partsCapacity >= capacity { return parts }
        releaseParts()
        let grown = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: capacity)
        for index in 0..<capacity { zmq_msg_init(grown + index) }
        parts = grown
        partsCapacity = capacity
        return grown
    }

    private func releaseParts() {
        guard let parts else { return }
        for index in 0..<partsCapacity { zmq_msg_close(parts + index) }
        parts.deallocate()
        self.parts = nil
        partsCapacity = 0
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool {
        handle == nil
    }

    /// Closes the socket. Idempotent; every later operation throws ``ZMQError/Code/notSocket``.
    ///
    /// Messages still queued are dropped unless ``SocketOption/linger`` was raised.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        zmq_close(handle)
    }

    /// The open socket's handle, or a `notSocket` error for `operation` when it is closed.
    func openHandle(_ operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else {
            throw ZMQError(code: .notSocket, message: "socket is closed", operation: operation())
        }
        return handle
    }

    /// Binds the socket to a local endpoint, accepting connections there.
    ///
    /// ```swift
    /// try socket.bind("tcp://127.0.0.1:*")   // any free port; read it back with lastEndpoint
    /// try socket.bind("ipc:///tmp/zrpc.sock")
    /// try socket.bind("inproc://workers")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: A `transport://address` endpoint.
    /// - Throws: ``ZMQError`` (`invalidArgument`, `protocolNotSupported`, `addressInUse`, ...).
    public func bind(_ endpoint: String) throws(ZMQError) {
        try endpointCall("zmq_bind", endpoint) { zmq_bind($0, $1) }
    }

    /// Connects the socket to a remote endpoint; libzmq connects (and reconnects) in the background.
    ///
    /// ```swift
    /// try socket.connect("tcp://127.0.0.1:5555")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: A `transport://address` endpoint.
    /// - Throws: ``ZMQError`` (`invalidArgument`, `protocolNotSupported`, ...).
    public func connect(_ endpoint: String) throws(ZMQError) {
        try endpointCall("zmq_connect", endpoint) { zmq_connect($0, $1) }
    }

    /// Stops listening on an endpoint passed to ``bind(_:)`` (use ``lastEndpoint`` for wildcard binds).
    ///
    /// - Parameters:
    ///   - endpoint: The bound endpoint.
    /// - Throws: ``ZMQError`` (`noSuchEntity` if the endpoint is not bound).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        try endpointCall("zmq_unbind", endpoint) { zmq_unbind($0, $1) }
    }

    /// Disconnects from an endpoint passed to ``connect(_:)``.
    ///
    /// - Parameters:
    ///   - endpoint: The connected endpoint.
    /// - Throws: ``ZMQError`` (`noSuchEntity` if the endpoint is not connected).
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try endpointCall("zmq_disconnect", endpoint) { zmq_disconnect($0, $1) }
    }

    private func endpointCall(
        _ function: String,
        _ endpoint: String,
        _ call: (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Int32
    ) throws(ZMQError) {
        let operation = "\(function)(\(endpoint))"
        let handle = try openHandle(operation)
        guard !endpoint.utf8.contains(0) else {
            throw .invalidArgument("endpoint contains a NUL character", operation: operation)
        }
        try zmqCompletingCall(operation) { endpoint.withCString { call(handle, $0) } }
    }
}

/// Sockets are bound to one thread; this makes the absence of `Sendable` explicit.
@available(*, unavailable)
extension Socket: Sendable {}

extension Socket: CustomStringConvertible {
    /// The type, and the last bound or connected endpoint if any, for example `Socket(ROUTER tcp://...)`.
    public var description: String {
        if isClosed {
            return "Socket(\(type), closed)"
        }
        let endpoint = (try? lastEndpoint) ?? ""
        return endpoint.isEmpty ? "Socket(\(type))" : "Socket(\(type) \(endpoint))"
    }
}
