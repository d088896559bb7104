import Synchronization

/// Bounds the calls in flight to one service: beyond ``Bulkhead/Policy/maxConcurrentCalls``
/// calls wait in a bounded queue for at most ``Bulkhead/Policy/maxWait`` (and never past their
/// deadline); a full queue or a wait that runs out gives RESOURCE_EXHAUSTED at once. With one
/// client (and so one set of sockets) per service, a slow or dead service cannot take another's
/// capacity.
///
/// ```swift
/// let bulkhead = try BulkheadInterceptor(policy: .init(maxConcurrentCalls: 16, maxQueuedCalls: 32))
/// let client = try await Client(configuration: .init(endpoints: endpoints, interceptors: [bulkhead]))
/// ```
public final class BulkheadInterceptor: ClientInterceptor, Sendable {
    private struct State {
        var bulkhead: Bulkhead
        var nextID: UInt64 = 0
        /// Queued calls waiting for a permit.
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        /// Queued calls whose outcome came before they started waiting.
        var early: [UInt64: Result<Void, RPCError>] = [:]
    }

    private let state: Mutex<State>
    private let policy: Bulkhead.Policy

    /// Creates a bulkhead.
    ///
    /// - Parameter policy: The limits.
    /// - Throws: ``ResilienceConfigurationError`` for invalid limits.
    public init(policy: Bulkhead.Policy) throws {
        try policy.validate()
        self.policy = policy
        self.state = Mutex(State(bulkhead: Bulkhead(policy: policy)))
    }

    /// Calls holding a permit and calls waiting for one.
    public var load: (active: Int, queued: Int) {
        state.withLock { ($0.bulkhead.active, $0.bulkhead.queued) }
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        try await acquire(deadline: request.deadline, service: request.method.service)
        defer { release() }
        return try await next(request)
    }

    private func acquire(deadline: ContinuousClock.Instant, service: String) async throws {
        let (id, admission) = state.withLock { state -> (UInt64, Bulkhead.Admission) in
            state.nextID += 1
            return (state.nextID, state.bulkhead.acquire(state.nextID))
        }
        switch admission {
        case .granted:
            return
        case .rejected:
            throw Self.full(service)
        case .queued:
            let wait = min(policy.maxWait, max(.zero, ContinuousClock.now.duration(to: deadline)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Returns once the permit arrives; throws once the call is dropped from the queue.
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await self.waitForPermit(id)
                    } onCancel: {
                        self.abandon(id, because: RPCError(code: .cancelled, message: "the call was cancelled"))
                    }
                }
                // Drops the call when its wait runs out; returns quietly if the permit came first.
                group.addTask {
                    try await Task.sleep(for: wait)
                    if self.abandon(id, because: Self.full(service)) { throw Self.full(service) }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    private func waitForPermit(_ id: UInt64) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let early = state.withLock { state -> Result<Void, RPCError>? in
                if let outcome = state.early.removeValue(forKey: id) { return outcome }
                state.waiters[id] = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }
    }

    /// Drops a queued call; false (and nothing changes) when it already holds a permit.
    @discardableResult
    private func abandon(_ id: UInt64, because error: RPCError) -> Bool {
        let (dropped, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
            guard state.bulkhead.abandon(id) else { return (false, nil) }
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.early[id] = .failure(error)
                return (true, nil)
            }
            return (true, waiter)
        }
        waiter?.resume(throwing: error)
        return dropped
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let id = state.bulkhead.release() else { return nil }
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.early[id] = .success(())
                return nil
            }
            return waiter
        }
        next?.resume()
    }

    private static func full(_ service: String) -> RPCError {
        RPCError(code: .resourceExhausted, message: "bulkhead for \(service) is full", metadata: [RPCError.notSentMetadataKey: "true"])
    }
}
