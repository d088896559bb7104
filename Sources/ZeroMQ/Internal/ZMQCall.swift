internal import CZeroMQ

/// The choke point for every libzmq (and libc) call that can fail.
///
/// Runs `body`; when it returns `-1`, reads `zmq_errno()` immediately (nothing else runs between the call
/// and the read: this function is never inlined into callers that could interleave work), retries on
/// `EINTR` and throws every other error as a ``ZMQError``. `body` is called again on retry, so it must be
/// safe to repeat (libzmq leaves arguments untouched when a call fails).
///
/// - Parameters:
///   - operation: A description of the call for the error, built only when it fails.
///   - body: The call; returns `-1` on failure with `errno` set.
/// - Returns: The call's non-failing result.
@inline(never)
@discardableResult
func zmqCall<Result: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    _ body: () -> Result
) throws(ZMQError) -> Result {
    while true {
        let result = body()
        if result != -1 {
            return result
        }
        let errno = zmq_errno()
        if errno == EINTR {
            continue
        }
        throw ZMQError(code: ZMQError.Code(errno: errno), operation: operation())
    }
}

/// ``zmqCall(_:_:)`` for calls where "would block" is an expected outcome, not an error: returns `nil`
/// on `EAGAIN` without building an error (the hot path of every non-blocking receive loop ends there).
///
/// - Parameters:
///   - operation: A description of the call for the error, built only when it fails otherwise.
///   - body: The call; returns `-1` on failure with `errno` set.
/// - Returns: The call's result, or `nil` on `EAGAIN`.
@inline(never)
func zmqCallUnlessWouldBlock<Result: FixedWidthInteger>(
    _ operation: @autoclosure () -> String,
    _ body: () -> Result
) throws(ZMQError) -> Result? {
    while true {
        let result = body()
        if result != -1 {
            return result
        }
        let errno = zmq_errno()
        if errno == EINTR {
            continue
        }
        if errno == EAGAIN {
            return nil
        }
        throw ZMQError(code: ZMQError.Code(errno: errno), operation: operation())
    }
}

/// The choke point for libzmq calls that return a pointer, `NULL` on failure (`zmq_ctx_new`, `zmq_socket`).
///
/// - Parameters:
///   - operation: A description of the call for the error, built only when it fails.
///   - body: The call; returns `nil` on failure with `errno` set.
/// - Returns: The non-null pointer.
@inline(never)
func zmqCallReturningPointer(
    _ operation: @autoclosure () -> String,
    _ body: () -> UnsafeMutableRawPointer?
) throws(ZMQError) -> UnsafeMutableRawPointer {
    while true {
        if let pointer = body() {
            return pointer
        }
        let errno = zmq_errno()
        if errno == EINTR {
            continue
        }
        throw ZMQError(code: ZMQError.Code(errno: errno), operation: operation())
    }
}

extension ZMQError {
    /// An `EINVAL` error raised by this module before calling libzmq.
    static func invalidArgument(_ message: String, operation: String) -> ZMQError {
        ZMQError(code: .invalidArgument, message: message, operation: operation)
    }
}
