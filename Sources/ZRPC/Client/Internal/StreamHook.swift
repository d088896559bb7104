import Synchronization

/// Where the end of a streaming call's interceptor chain hands the opened stream to the caller.
///
/// The chain runs in a task of its own for the whole life of the stream (interceptors wrap all of
/// it), while the caller's closure reads and writes in the caller's task: the transport opens the
/// stream and passes it here (``open(_:)``), the caller waits for it (``stream()``). A chain
/// that ends without opening it (an interceptor refused the call) fails the wait instead.
final class StreamHook: Sendable {
    private enum State {
        case waiting(CheckedContinuation<StreamIO, any Error>?)
        case claimed(CheckedContinuation<StreamIO, any Error>?)
        case opened(StreamIO)
        case failed(any Error)
    }

    private let state = Mutex(State.waiting(nil))
    /// How many messages the server may send before the caller has read them.
    let window: Int

    /// Creates a hook for a call whose caller grants the server `window` messages.
    init(window: Int) {
        self.window = max(window, 1)
    }

    /// Takes the right to open the stream: false when it was taken before (an interceptor sent the
    /// call twice, which a stream cannot be) or the caller gave up.
    func claim() -> Bool {
        state.withLock { state in
            guard case .waiting(let waiter) = state else { return false }
            state = .claimed(waiter)
            return true
        }
    }

    /// The stream is open: hands it to the caller.
    func open(_ io: StreamIO) {
        let waiter = state.withLock { state -> CheckedContinuation<StreamIO, any Error>? in
            guard case .claimed(let waiter) = state else { return nil }
            state = .opened(io)
            return waiter
        }
        waiter?.resume(returning: io)
    }

    /// The chain ended before opening the stream: the caller gets `error`. Nothing changes once
    /// the stream is open.
    func fail(_ error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<StreamIO, any Error>? in
            switch state {
            case .waiting(let waiter), .claimed(let waiter):
                state = .failed(error)
                return waiter
            case .opened, .failed:
                return nil
            }
        }
        waiter?.resume(throwing: error)
    }

    /// Waits for the stream to open.
    ///
    /// - Throws: What the chain failed with (see ``fail(_:)``).
    func stream() async throws -> StreamIO {
        try await withCheckedThrowingContinuation { continuation in
            enum Step {
                case parked
                case opened(StreamIO)
                case failed(any Error)
            }
            let step = state.withLock { state -> Step in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return .parked
                case .claimed:
                    state = .claimed(continuation)
                    return .parked
                case .opened(let io): return .opened(io)
                case .failed(let error): return .failed(error)
                }
            }
            switch step {
            case .parked: break
            case .opened(let io): continuation.resume(returning: io)
            case .failed(let error): continuation.resume(throwing: error)
            }
        }
    }
}
