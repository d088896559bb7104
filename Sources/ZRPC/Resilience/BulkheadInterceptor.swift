import Synchronization

/// Bounds the calls in flight to one service: beyond ``Bulkhead/Policy/maxConcurrentCalls``
/// calls wait in a bounded queue for at most ``Bulkhead/Policy/maxWait`` (and never past their
/// deadline); a full queue or a wait that runs out gives RESOURCE_EXHAUSTED at once. With one
/// client (and so one set of sockets) per service, a slow or dead service cannot take another's
/// capacity.
///
/// A queued call waits on one continuation, resumed by whichever comes first: a freed permit,
/// the end of its wait (one timer for the whole queue, not a task per call), or its cancellation.
///
/// ```swift
/// let bulkhead = try BulkheadInterceptor(policy: .init(maxConcurrentCalls: 16, maxQueuedCalls: 32))
/// let client = try await Client(configuration: .init(endpoints: endpoints, interceptors: [bulkhead]))
/// ```
public final class BulkheadInterceptor: ClientInterceptor, Sendable {
    /// Everything behind the lock.
    struct State {
        /// Permits and the queue.
        var bulkhead: Bulkhead
        /// Queued calls, each parked under the ticket it queued with.
        var waiters = Waiters<Void, any Error>()
        /// When each queued call's wait ends (keys: tickets' raw values).
        var expiries = TimerQueue<UInt64>()
        /// The one task that ends waits, while calls are queued.
        var timer: QueueTimer?
        /// Numbers the timers, so one that was replaced knows to stop.
        var timerGeneration: UInt64 = 0
    }

    /// The task that ends queued calls' waits, and when it next wakes up.
    struct QueueTimer {
        /// Which timer this is (see ``State/timerGeneration``).
        let generation: UInt64
        /// When it next ends the waits that are over.
        var wakeUp: ContinuousClock.Instant
        /// Its task, once started (to cancel it when a new timer replaces it).
        var task: Task<Void, Never>?
    }

    /// Thrown to a queued call whose wait ran out; it answers RESOURCE_EXHAUSTED.
    struct WaitRanOut: Error {}

    /// The bulkhead, its waiters and its timer.
    let state: Mutex<State>
    /// The limits.
    let policy: Bulkhead.Policy
    /// The clock.
    let now: @Sendable () -> ContinuousClock.Instant
    /// How the timer waits, in `now`'s time.
    let sleep: @Sendable (Duration) async throws -> Void
    /// Told the number of queued calls whenever it changes (tests await it).
    let queueChanged: @Sendable (Int) -> Void

    /// Creates a bulkhead.
    ///
    /// ```swift
    /// let clock = ManualClock()
    /// let bulkhead = try BulkheadInterceptor(policy: .init(maxWait: .seconds(1)), now: { clock.now }, sleep: clock.sleep)
    /// ```
    ///
    /// - Parameters:
    ///   - policy: The limits.
    ///   - now: The clock (tests pass a manual one).
    ///   - sleep: How the queue's timer waits, in `now`'s time; `Task.sleep` by default.
    /// - Throws: ``ResilienceConfigurationError`` for invalid limits.
    public convenience init(
        policy: Bulkhead.Policy,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        try self.init(policy: policy, now: now, sleep: sleep, queueChanged: { _ in })
    }

    /// Creates a bulkhead that reports the number of queued calls whenever it changes.
    ///
    /// - Parameters:
    ///   - policy: The limits.
    ///   - now: The clock.
    ///   - sleep: How the queue's timer waits.
    ///   - queueChanged: Told the queue's length after every change (called outside the lock;
    ///     reports from concurrent changes may arrive out of order).
    /// - Throws: ``ResilienceConfigurationError`` for invalid limits.
    init(
        policy: Bulkhead.Policy,
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        queueChanged: @escaping @Sendable (Int) -> Void
    ) throws {
        try policy.validate()
        self.policy = policy
        self.now = now
        self.sleep = sleep
        self.queueChanged = queueChanged
        self.state = Mutex(State(bulkhead: Bulkhead(policy: policy)))
    }

    /// Calls holding a permit and calls waiting for one.
    public var load: (active: Int, queued: Int) {
        state.withLock { ($0.bulkhead.active, $0.bulkhead.queued) }
    }

    /// Runs the call once it holds a permit, and gives the permit back when it ends.
    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        try await acquire(deadline: request.deadline, service: request.method.service)
        defer { release() }
        return try await next(request)
    }

    /// Returns holding a permit, or throws RESOURCE_EXHAUSTED (full, or the wait ran out) or
    /// CANCELLED.
    private func acquire(deadline: ContinuousClock.Instant, service: String) async throws {
        let ticket = WaiterTicket.next()
        // The usual case, a free permit and no queue, needs no continuation.
        let granted = state.withLock { state -> Bool in
            guard state.bulkhead.active < policy.maxConcurrentCalls, state.bulkhead.queued == 0 else { return false }
            return state.bulkhead.acquire(ticket.rawValue) == .granted
        }
        if granted { return }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    admit(ticket, deadline: deadline, continuation: continuation)
                }
            } onCancel: {
                abandon(ticket)
            }
        } catch is WaitRanOut {
            throw Self.full(service)
        } catch is CancellationError {
            throw RPCError(code: .cancelled, message: "the call was cancelled")
        } catch is QueueFull {
            throw Self.full(service)
        }
    }

    /// Thrown to a call that found the queue full.
    private struct QueueFull: Error {}

    /// Grants, rejects or queues the call holding `ticket`; a queued call is parked, and its wait
    /// scheduled, under the same lock, so a release, a timeout or a cancel always finds it.
    private func admit(
        _ ticket: WaiterTicket,
        deadline: ContinuousClock.Instant,
        continuation: CheckedContinuation<Void, any Error>
    ) {
        let instant = now()
        let wakeUp = min(instant.advanced(by: policy.maxWait), deadline)
        let (outcome, queued, timer) = state.withLock { state -> (Result<Void, any Error>?, Int?, TimerStart?) in
            if Task.isCancelled { return (.failure(CancellationError()), nil, nil) }
            switch state.bulkhead.acquire(ticket.rawValue) {
            case .granted:
                return (.success(()), nil, nil)
            case .rejected:
                return (.failure(QueueFull()), nil, nil)
            case .queued:
                state.waiters.park(continuation, ticket: ticket)
                state.expiries.schedule(ticket.rawValue, at: wakeUp)
                return (nil, state.bulkhead.queued, scheduleTimer(wakingAt: wakeUp, in: &state))
            }
        }
        if let outcome { continuation.resume(with: outcome) }
        if let timer { start(timer) }
        if let queued { queueChanged(queued) }
    }

    /// Takes a cancelled call out of the queue; nothing if it already holds a permit (it
    /// releases that when its call ends) or has not queued yet (it sees the cancellation then).
    private func abandon(_ ticket: WaiterTicket) {
        let (waiter, queued, idleTimer) = state.withLock {
            state -> (CheckedContinuation<Void, any Error>?, Int, Task<Void, Never>?) in
            guard state.bulkhead.abandon(ticket.rawValue) else { return (nil, state.bulkhead.queued, nil) }
            return (state.waiters.take(ticket), state.bulkhead.queued, Self.stopTimerIfIdle(&state))
        }
        idleTimer?.cancel()
        guard let waiter else { return }
        waiter.resume(throwing: CancellationError())
        queueChanged(queued)
    }

    /// Takes the timer out when no call is queued any more, so it does not sleep on with nothing
    /// to end; the caller cancels its task after releasing the lock.
    private static func stopTimerIfIdle(_ state: inout State) -> Task<Void, Never>? {
        guard state.waiters.isEmpty, let timer = state.timer else { return nil }
        state.timer = nil
        return timer.task
    }

    /// Gives a permit back: to the first queued call, if any.
    private func release() {
        let (next, queued, idleTimer) = state.withLock {
            state -> (CheckedContinuation<Void, any Error>?, Int, Task<Void, Never>?) in
            guard let id = state.bulkhead.release() else { return (nil, state.bulkhead.queued, nil) }
            let next = state.waiters.take(WaiterTicket(rawValue: id))
            return (next, state.bulkhead.queued, Self.stopTimerIfIdle(&state))
        }
        idleTimer?.cancel()
        guard let next else { return }
        next.resume()
        queueChanged(queued)
    }

    /// RESOURCE_EXHAUSTED for `service`, marked as never sent (safe to retry elsewhere or later).
    static func full(_ service: String) -> RPCError {
        RPCError(
            code: .resourceExhausted,
            message: "bulkhead for \(service) is full",
            metadata: [RPCError.notSentMetadataKey: "true"]
        )
    }
}
