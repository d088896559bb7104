import Synchronization

/// How many more messages a stream's writer may send: the credit its peer's reader granted.
///
/// A writer with no credit waits in ``acquire()`` until the peer grants more (``add(_:)``) or the
/// stream ends (``close(_:)``), so a slow reader stalls the writer instead of growing a queue.
final class StreamCredit: Sendable {
    private struct State {
        var available: Int
        var closed: RPCError?
        var waiter: UnsafeContinuation<Void, any Error>?
        /// Credits taken without waiting since the writer last yielded its thread.
        var takenWithoutWaiting = 0
    }

    /// A writer that always finds credit never suspends: it yields its thread this often.
    private static let yieldInterval = 64

    private let state: Mutex<State>

    /// Creates a credit with `initial` messages available.
    init(initial: Int) {
        state = Mutex(State(available: initial))
    }

    /// The messages that may be sent now.
    var available: Int { state.withLock { $0.available } }

    /// Takes one credit, waiting until one is granted.
    ///
    /// - Throws: The error the stream was closed with; CANCELLED when the writing task is
    ///   cancelled; FAILED_PRECONDITION when another task is already waiting to write.
    func acquire() async throws {
        enum Step {
            case taken
            case takenAndYield
            case wait
        }
        let step = try state.withLock { state -> Step in
            if let closed = state.closed { throw closed }
            guard state.available > 0 else {
                state.takenWithoutWaiting = 0
                return .wait
            }
            state.available -= 1
            state.takenWithoutWaiting += 1
            guard state.takenWithoutWaiting >= Self.yieldInterval else { return .taken }
            state.takenWithoutWaiting = 0
            return .takenAndYield
        }
        switch step {
        case .taken: return
        case .takenAndYield: await Task.yield()
        case .wait: try await waitForCredit()
        }
    }

    private func waitForCredit() async throws {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                enum Step {
                    case parked
                    case taken
                    case failed(RPCError)
                }
                let step = state.withLock { state -> Step in
                    if let closed = state.closed { return .failed(closed) }
                    if state.available > 0 {
                        state.available -= 1
                        return .taken
                    }
                    guard state.waiter == nil else {
                        return .failed(
                            RPCError(code: .failedPrecondition, message: "two tasks write one stream at once")
                        )
                    }
                    state.waiter = continuation
                    return .parked
                }
                switch step {
                case .parked: if Task.isCancelled { cancelWaiter() }
                case .taken: continuation.resume()
                case .failed(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            cancelWaiter()
        }
    }

    /// Adds credit the peer granted; wakes a waiting writer.
    func add(_ messages: Int) {
        guard messages > 0 else { return }
        let waiter = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            guard state.closed == nil else { return nil }
            state.available =
                state.available.addingReportingOverflow(messages).overflow ? .max : state.available + messages
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            state.available -= 1
            return waiter
        }
        waiter?.resume()
    }

    /// Ends writing: the waiting writer and every later ``acquire()`` throw `error`. Later calls
    /// change nothing.
    func close(_ error: RPCError) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            guard state.closed == nil else { return nil }
            state.closed = error
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }

    private func cancelWaiter() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, any Error>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: RPCError(code: .cancelled, message: "writing to the stream was cancelled"))
    }
}
