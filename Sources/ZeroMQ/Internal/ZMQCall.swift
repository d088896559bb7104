internal import CZeroMQ

/// The choke point for every libzmq (and libc) call that can fail: the only code that reads `errno`.
///
/// Runs `body`; when it fails (``CCallResult/successValue`` is `nil`), reads `zmq_errno()` at once (this
/// function is never inlined, so no caller's work can run between the call and the read), then:
/// - `EINTR`: calls `body` again, so `body` must be safe to repeat (libzmq and libc leave their arguments
///   untouched when a call fails);
/// - `EAGAIN`: returns ``IOResult/wouldBlock``;
/// - `EBADF`, `EFAULT`: stops the process. They mean this module passed a closed descriptor, an invalid
///   context or message, or a bad pointer, which is a bug here and not a condition to recover from
///   (closed sockets and terminated contexts report `ENOTSOCK` and `ETERM`, which are thrown);
/// - anything else: throws a ``ZMQError`` naming `operation`.
///
/// ```swift
/// switch try zmqCall("zmq_msg_send", { zmq_msg_send(message, handle, ZMQ_DONTWAIT) }) {
/// case .processed: return true
/// case .wouldBlock: return false
/// }
/// ```
///
/// - Parameters:
///   - operation: A description of the call for the error, built only when it fails.
///   - body: The call.
/// - Returns: The call's successful result, or ``IOResult/wouldBlock``.
/// - Throws: ``ZMQError`` for every failure except `EINTR`, `EAGAIN`, `EBADF` and `EFAULT`.
@inline(never)
func zmqCall<Result: CCallResult>(
    _ operation: @autoclosure () -> String,
    _ body: () -> Result
) throws(ZMQError) -> IOResult<Result.Success> {
    while true {
        if let value = body().successValue {
            return .processed(value)
        }
        let errno = zmq_errno()
        switch errno {
        case EINTR:
            continue
        case EAGAIN:
            return .wouldBlock
        case EBADF, EFAULT:
            preconditionFailure(
                "\(operation()) failed with \(ZMQError.Code(errno: errno)), \(ZMQError.Code.text(for: errno)): "
                    + "ZeroMQ passed libzmq a closed descriptor or an invalid context, message or pointer"
            )
        default:
            throw ZMQError(code: ZMQError.Code(errno: errno), operation: operation())
        }
    }
}

/// ``zmqCall(_:_:)`` for calls that complete or fail, where "would block" is not an expected outcome
/// (binding, options, polling, creating contexts and sockets): `EAGAIN` is thrown as a
/// ``ZMQError/Code/wouldBlock`` error like any other.
///
/// ```swift
/// let handle = try zmqCompletingCall("zmq_socket(DEALER)") { zmq_socket(context, ZMQ_DEALER) }
/// ```
///
/// - Parameters:
///   - operation: A description of the call for the error, built only when it fails.
///   - body: The call.
/// - Returns: The call's successful result.
/// - Throws: ``ZMQError``, as ``zmqCall(_:_:)`` does, and for `EAGAIN`.
@inline(__always)
@discardableResult
func zmqCompletingCall<Result: CCallResult>(
    _ operation: @autoclosure () -> String,
    _ body: () -> Result
) throws(ZMQError) -> Result.Success {
    switch try zmqCall(operation(), body) {
    case .processed(let value):
        return value
    case .wouldBlock:
        throw ZMQError(code: .wouldBlock, operation: operation())
    }
}

extension ZMQError {
    /// An `EINVAL` error raised by this module before calling libzmq.
    static func invalidArgument(_ message: String, operation: String) -> ZMQError {
        ZMQError(code: .invalidArgument, message: message, operation: operation)
    }
}
