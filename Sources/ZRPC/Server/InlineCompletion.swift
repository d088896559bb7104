import Synchronization

/// Whether a handler started on the server's I/O thread finished before the code that started it
/// went on (it never suspended). Then the starter takes the response at once; otherwise the
/// handler's task posts it to the loop when it is done, possibly from another thread.
final class InlineCompletion: Sendable {
    private enum State {
        case starting
        case started
        case finished(ServerDriver.EncodedResponse?)
    }

    private let state = Mutex(State.starting)

    /// Called by the handler's task with its response.
    ///
    /// - Returns: True when the starter will take the response; false when the starter has gone
    ///   on, and the task must post the response itself.
    func finish(_ response: ServerDriver.EncodedResponse?) -> Bool {
        state.withLock { state in
            guard case .starting = state else { return false }
            state = .finished(response)
            return true
        }
    }

    /// Called by the starter once the task exists.
    ///
    /// - Returns: The handler's response (itself nil when none could be encoded) if it has
    ///   finished; nil if it is still running, and will post its response when done.
    func takeFinished() -> ServerDriver.EncodedResponse?? {
        state.withLock { state in
            if case .finished(let response) = state { return .some(response) }
            state = .started
            return nil
        }
    }
}
