import Synchronization

/// Where a client's calls find its I/O loop: not yet (calls wait for ``Client/run()``), now
/// (the fast path: one lock), or never again (shutting down or stopped: calls fail at once,
/// marked as not sent, so a retry elsewhere is safe).
final class ClientConnection: Sendable {
    private enum Phase {
        case idle
        case starting
        case running(IOLoop<ClientDriver>)
        case stopping
        case stopped
    }

    private struct State {
        var phase = Phase.idle
        /// Calls made before the loop started.
        var waiters = Waiters<IOLoop<ClientDriver>, any Error>()
        var ran = false
    }

    /// What ``claimRun()`` found.
    enum Claim {
        /// Go ahead and run.
        case claimed
        /// It ran (or runs) already.
        case ranBefore
        /// Shutdown was asked for before it ever ran: nothing to do.
        case shutDownBeforeRun
    }

    private let state = Mutex(State())

    /// The running loop, or nil when the client is not running yet.
    ///
    /// - Throws: ``RPCError`` (`UNAVAILABLE`, not sent) once the client is shutting down or stopped.
    func loopIfRunning() throws -> IOLoop<ClientDriver>? {
        try state.withLock { state in
            switch state.phase {
            case .running(let loop): return loop
            case .idle, .starting: return nil
            case .stopping, .stopped: throw Self.closed
            }
        }
    }

    /// The loop, once ``Client/run()`` has started it; waits for it until `deadline` or the
    /// caller's cancellation.
    func loop(deadline: ContinuousClock.Instant) async throws -> IOLoop<ClientDriver> {
        if let loop = try loopIfRunning() { return loop }
        return try await withThrowingTaskGroup(of: IOLoop<ClientDriver>.self) { group in
            group.addTask { try await self.waitForStart() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw RPCError(
                    code: .deadlineExceeded,
                    message: "the client was not running within the call's deadline: run() it, or use withClient",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            }
            defer { group.cancelAll() }
            do {
                guard let loop = try await group.next() else { throw Self.closed }
                return loop
            } catch is CancellationError {
                throw RPCError(
                    code: .cancelled,
                    message: "the call was cancelled",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            }
        }
    }

    private func waitForStart() async throws -> IOLoop<ClientDriver> {
        let ticket = WaiterTicket.next()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiter in
                let outcome = state.withLock { state -> Result<IOLoop<ClientDriver>, any Error>? in
                    switch state.phase {
                    case .running(let loop): return .success(loop)
                    case .stopping, .stopped: return .failure(Self.closed)
                    case .idle, .starting:
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters.park(waiter, ticket: ticket)
                        return nil
                    }
                }
                if let outcome { waiter.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.take(ticket) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// The loop is running: calls go to it, and those waiting are let through (unless shutdown
    /// was asked for meanwhile).
    func started(_ loop: IOLoop<ClientDriver>) {
        let waiters = state.withLock { state -> [CheckedContinuation<IOLoop<ClientDriver>, any Error>] in
            guard case .starting = state.phase else { return [] }
            state.phase = .running(loop)
            return state.waiters.takeAll()
        }
        for waiter in waiters { waiter.resume(returning: loop) }
    }

    /// New calls are refused from now on (shutting down, or the loop failed to start).
    func stopping() {
        let waiters = state.withLock { state -> [CheckedContinuation<IOLoop<ClientDriver>, any Error>] in
            if case .stopped = state.phase { return [] }
            state.phase = .stopping
            return state.waiters.takeAll()
        }
        for waiter in waiters { waiter.resume(throwing: Self.closed) }
    }

    /// The loop has stopped.
    func stopped() {
        state.withLock { $0.phase = .stopped }
    }

    /// Marks the client as starting, unless it ran before or was shut down before it ran.
    func claimRun() -> Claim {
        state.withLock { state in
            if state.ran { return .ranBefore }
            state.ran = true
            guard case .idle = state.phase else { return .shutDownBeforeRun }
            state.phase = .starting
            return .claimed
        }
    }

    private static var closed: RPCError {
        RPCError(
            code: .unavailable,
            message: "the client is shutting down or stopped",
            metadata: [RPCError.notSentMetadataKey: "true"]
        )
    }
}
