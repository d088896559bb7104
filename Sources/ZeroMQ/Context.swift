internal import CZeroMQ

/// A ZeroMQ context: the I/O threads and the registry of every socket created from it.
///
/// A context is thread-safe and may be shared between threads and tasks. Each ``Socket`` keeps a strong
/// reference to its context, so the context is terminated (in `deinit`) only after every socket is closed;
/// since every socket gets a finite linger (0 by default), terminating never hangs.
///
/// ```swift
/// let context = try Context()
/// let socket = try Socket(context, type: .dealer)
/// ```
///
/// Call ``shutdown()`` to make every blocking call on the context's sockets fail with
/// ``ZMQError/Code/contextTerminated`` (for example to stop an I/O thread blocked in a receive or a poll).
public final class Context: Sendable, CustomStringConvertible {
    /// The `void *` libzmq context. libzmq contexts are thread-safe, which is what makes this class Sendable.
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// The number of libzmq I/O threads.
    public let ioThreads: Int

    /// Creates a context.
    ///
    /// ```swift
    /// let context = try Context(ioThreads: 2)
    /// ```
    ///
    /// - Parameters:
    ///   - ioThreads: The number of libzmq I/O threads (1 is enough for about a gigabyte per second).
    /// - Throws: ``ZMQError`` if libzmq cannot create the context or `ioThreads` is negative.
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let threads = Int32(exactly: ioThreads), threads >= 0 else {
            throw .invalidArgument("ioThreads must be between 0 and \(Int32.max)", operation: "Context.init")
        }
        let handle = try zmqCompletingCall("zmq_ctx_new") { zmq_ctx_new() }
        do {
            try zmqCompletingCall("zmq_ctx_set(ZMQ_IO_THREADS, \(threads))") {
                zmq_ctx_set(handle, ZMQ_IO_THREADS, threads)
            }
        } catch {
            _ = zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
        self.ioThreads = ioThreads
    }

    /// Shuts the context down: blocking calls on its sockets fail with ``ZMQError/Code/contextTerminated``,
    /// and so does every later call except closing.
    ///
    /// Idempotent and thread-safe. The context is still terminated (its resources released) only when the
    /// last reference to it, including every socket's, goes away.
    public func shutdown() {
        _ = try? zmqCompletingCall("zmq_ctx_shutdown") { zmq_ctx_shutdown(handle) }
    }

    deinit {
        // Every socket holds a reference to the context, so all of them are closed by now: this cannot hang
        // unless a socket was given an infinite linger and still had messages queued when it was closed.
        _ = try? zmqCompletingCall("zmq_ctx_term") { zmq_ctx_term(handle) }
    }

    /// `Context(ioThreads: n)`.
    public var description: String {
        "Context(ioThreads: \(ioThreads))"
    }
}

/// Runs `body` with a new context and shuts the context down when `body` returns or throws.
///
/// ```swift
/// try await withContext { context in
///     let socket = try Socket(context, type: .request)
///     try socket.connect("tcp://127.0.0.1:5555")
///     // ...
/// }
/// ```
///
/// Shutting down makes any call still blocked on the context's sockets fail with
/// ``ZMQError/Code/contextTerminated``; the context itself is terminated once the last socket is gone.
///
/// - Parameters:
///   - ioThreads: The number of libzmq I/O threads.
///   - isolation: The caller's isolation, inherited by `body`.
///   - body: The work to do with the context.
/// - Returns: What `body` returns.
/// - Throws: ``ZMQError`` if the context cannot be created, or what `body` throws.
public func withContext<Result>(
    ioThreads: Int = 1,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (Context) async throws -> sending Result
) async throws -> sending Result {
    let context = try Context(ioThreads: ioThreads)
    defer { context.shutdown() }
    return try await body(context)
}
