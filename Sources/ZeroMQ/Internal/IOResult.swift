/// The outcome of a libzmq or libc call that did not fail: it either completed, or it would have blocked.
///
/// Modelled on SwiftNIO's `IOResult`: "would block" (`EAGAIN`) is an ordinary outcome of a non-blocking
/// send, receive or descriptor read, not an error, so it costs no thrown ``ZMQError``.
///
/// ```swift
/// switch try zmqCall("zmq_msg_recv", { zmq_msg_recv(message, handle, ZMQ_DONTWAIT) }) {
/// case .processed(let size): // a frame of `size` bytes arrived
/// case .wouldBlock: // nothing was waiting
/// }
/// ```
enum IOResult<Value> {
    /// The call completed and returned `Value`.
    case processed(Value)
    /// The call could not complete without blocking (`EAGAIN`).
    case wouldBlock
}
