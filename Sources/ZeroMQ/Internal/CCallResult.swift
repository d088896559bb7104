/// What a C function returns when it reports failure in-band, with the reason in `errno`: `-1` for
/// integers, `NULL` for pointers.
///
/// Lets ``zmqCall(_:_:)`` treat `zmq_bind`, `read` and `zmq_socket` alike.
protocol CCallResult {
    /// What a successful call yields.
    associatedtype Success

    /// The successful value, or `nil` when the call failed (and set `errno`).
    var successValue: Success? { get }
}

extension Int32: CCallResult {
    /// `self`, or `nil` for `-1` (an `int`-returning libzmq or libc call failed).
    var successValue: Int32? { self == -1 ? nil : self }
}

extension Int: CCallResult {
    /// `self`, or `nil` for `-1` (an `ssize_t`-returning libc call such as `read` failed).
    var successValue: Int? { self == -1 ? nil : self }
}

extension Optional: CCallResult where Wrapped == UnsafeMutableRawPointer {
    /// The pointer, or `nil` for `NULL` (a pointer-returning call such as `zmq_socket` failed).
    var successValue: UnsafeMutableRawPointer? { self }
}
