internal import CZeroMQ

/// An error reported by libzmq (or by this module on libzmq's behalf).
///
/// Every failing libzmq call surfaces as a `ZMQError` whose ``code`` is the `errno` libzmq reported,
/// whose ``message`` is libzmq's own text (`zmq_strerror`) and whose ``operation`` names the call.
///
/// ```swift
/// do {
///     try socket.bind("tcp://127.0.0.1:5555")
/// } catch let error where error.code == .addressInUse {
///     print("port taken: \(error)")
/// }
/// ```
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as an extensible `errno`-based code.
    public var code: Code
    /// A human-readable explanation, by default libzmq's `zmq_strerror` text for ``code``.
    public var message: String
    /// The operation that failed, for example `zmq_bind(tcp://127.0.0.1:5555)`.
    public var operation: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The error code.
    ///   - message: The explanation; `nil` uses libzmq's text for `code` (`zmq_strerror`).
    ///   - operation: The operation that failed.
    public init(code: Code, message: String? = nil, operation: String) {
        self.code = code
        self.message = message ?? Code.text(for: code.errno)
        self.operation = operation
    }

    /// `"<operation>: <message> (<code>)"`.
    public var description: String {
        "\(operation): \(message) (\(code))"
    }
}

extension ZMQError {
    /// An extensible error code: an `errno` value as libzmq reports it.
    ///
    /// Compare against the named constants (`error.code == .wouldBlock`); codes without a name are still
    /// carried faithfully in ``errno``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The raw `errno` value (libzmq's own codes such as `ETERM` lie above `ZMQ_HAUSNUMERO`).
        public var errno: Int32

        /// Creates a code from a raw `errno` value.
        ///
        /// - Parameters:
        ///   - errno: The `errno` value.
        public init(errno: Int32) {
            self.errno = errno
        }

        /// `EAGAIN`: a non-blocking call found nothing to do, or a send/receive timeout expired.
        public static let wouldBlock = Code(errno: EAGAIN)
        /// `EADDRINUSE`: the address is already bound.
        public static let addressInUse = Code(errno: EADDRINUSE)
        /// `EADDRNOTAVAIL`: the address is not local (for example binding a remote interface).
        public static let addressNotAvailable = Code(errno: EADDRNOTAVAIL)
        /// `EINVAL`: an invalid argument, such as a malformed endpoint or option value.
        public static let invalidArgument = Code(errno: EINVAL)
        /// `EPROTONOSUPPORT`: the endpoint's transport (`foo://`) is not supported.
        public static let protocolNotSupported = Code(errno: EPROTONOSUPPORT)
        /// `ENOCOMPATPROTO`: the transport does not work with this socket type.
        public static let incompatibleProtocol = Code(errno: ENOCOMPATPROTO)
        /// `ENOTSOCK`: the socket is closed (or was never valid).
        public static let notSocket = Code(errno: ENOTSOCK)
        /// `ETERM`: the socket's context was shut down or terminated.
        public static let contextTerminated = Code(errno: ETERM)
        /// `EHOSTUNREACH`: a ROUTER with `routerMandatory` has no peer with that routing id.
        public static let hostUnreachable = Code(errno: EHOSTUNREACH)
        /// `EINTR`: a signal interrupted the call (retried internally; rarely seen).
        public static let interrupted = Code(errno: EINTR)
        /// `ENOENT`: no such endpoint (for example `unbind` of an address that was never bound).
        public static let noSuchEntity = Code(errno: ENOENT)
        /// `ENOTSUP`: the operation is not supported by this socket type or build of libzmq.
        public static let unsupportedOperation = Code(errno: ENOTSUP)
        /// `EFSM`: the socket's state machine forbids the call (for example REQ sending twice).
        public static let invalidState = Code(errno: EFSM)
        /// `EMSGSIZE`: a message is larger than allowed (also used for too many frames per message).
        public static let messageTooLarge = Code(errno: EMSGSIZE)
        /// `EMFILE`: too many open sockets or files.
        public static let tooManyOpenFiles = Code(errno: EMFILE)
        /// `ENOMEM`: libzmq could not allocate memory.
        public static let outOfMemory = Code(errno: ENOMEM)
        /// `ENODEV`: the network interface named in the endpoint does not exist.
        public static let noSuchDevice = Code(errno: ENODEV)
        /// `EMTHREAD`: no I/O thread is available.
        public static let noIOThread = Code(errno: EMTHREAD)
        /// `EFAULT`: an invalid message or pointer was passed to libzmq.
        public static let badAddress = Code(errno: EFAULT)

        private static let names: [Int32: String] = [
            EAGAIN: "wouldBlock", EADDRINUSE: "addressInUse", EADDRNOTAVAIL: "addressNotAvailable",
            EINVAL: "invalidArgument", EPROTONOSUPPORT: "protocolNotSupported",
            ENOCOMPATPROTO: "incompatibleProtocol", ENOTSOCK: "notSocket", ETERM: "contextTerminated",
            EHOSTUNREACH: "hostUnreachable", EINTR: "interrupted", ENOENT: "noSuchEntity",
            ENOTSUP: "unsupportedOperation", EFSM: "invalidState", EMSGSIZE: "messageTooLarge",
            EMFILE: "tooManyOpenFiles", ENOMEM: "outOfMemory", ENODEV: "noSuchDevice", EMTHREAD: "noIOThread",
            EFAULT: "badAddress",
        ]

        /// The code's name and number, for example `addressInUse (errno 98)`.
        public var description: String {
            "\(Self.names[errno] ?? "errno") (errno \(errno))"
        }

        /// libzmq's text for an `errno` value; it covers libzmq's own codes and the system's.
        static func text(for errno: Int32) -> String {
            guard let text = zmq_strerror(errno) else { return "error \(errno)" }
            return String(cString: text)
        }
    }
}
