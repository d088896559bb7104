extension BulkheadInterceptor {
    /// A timer to start once the lock is released.
    struct TimerStart {
        /// The new timer's generation.
        let generation: UInt64
        /// When it first wakes up.
        let wakeUp: ContinuousClock.Instant
        /// The timer it replaces, to cancel.
        let replaced: Task<Void, Never>?
    }

    /// Makes sure a timer wakes up by `wakeUp`: none runs, or the one running wakes up later
    /// (a call whose deadline comes before `maxWait`) — then a new one replaces it. Called under
    /// the lock; the caller starts the returned timer after releasing it.
    func scheduleTimer(wakingAt wakeUp: ContinuousClock.Instant, in state: inout State) -> TimerStart? {
        if let timer = state.timer, timer.wakeUp <= wakeUp { return nil }
        state.timerGeneration += 1
        let replaced = state.timer?.task
        state.timer = QueueTimer(generation: state.timerGeneration, wakeUp: wakeUp, task: nil)
        return TimerStart(generation: state.timerGeneration, wakeUp: wakeUp, replaced: replaced)
    }

    /// Starts the timer task (at most one runs: a replaced one is cancelled, and stops when it
    /// wakes, its generation gone).
    func start(_ timer: TimerStart) {
        timer.replaced?.cancel()
        let task = Task { await self.runTimer(generation: timer.generation, wakeUp: timer.wakeUp) }
        let replacedAlready = state.withLock { state -> Bool in
            guard state.timer?.generation == timer.generation else { return true }
            state.timer?.task = task
            return false
        }
        if replacedAlready { task.cancel() }
    }

    /// Sleeps until the earliest queued call's wait ends, ends the waits that are over, and goes
    /// on while calls are queued.
    private func runTimer(generation: UInt64, wakeUp: ContinuousClock.Instant) async {
        var wakeUp = wakeUp
        while true {
            let delay = now().duration(to: wakeUp)
            if delay > .zero { try? await sleep(delay) }
            let result = state.withLock {
                state -> (expired: [CheckedContinuation<Void, any Error>], queued: Int, next: ContinuousClock.Instant?)?
                in
                guard state.timer?.generation == generation else { return nil }  // replaced
                var expired: [CheckedContinuation<Void, any Error>] = []
                for id in state.expiries.popExpired(now: now()) {
                    // A call that already holds a permit, or was cancelled, is no longer queued.
                    guard state.bulkhead.abandon(id), let waiter = state.waiters.take(WaiterTicket(rawValue: id)) else {
                        continue
                    }
                    expired.append(waiter)
                }
                let waiters = state.waiters
                state.expiries.dropStale(where: { !waiters.contains(WaiterTicket(rawValue: $0)) }, live: waiters.count)
                guard let next = state.expiries.nextDeadline else {
                    state.timer = nil
                    return (expired, state.bulkhead.queued, nil)
                }
                state.timer?.wakeUp = next
                return (expired, state.bulkhead.queued, next)
            }
            guard let result else { return }
            for waiter in result.expired { waiter.resume(throwing: WaitRanOut()) }
            if !result.expired.isEmpty { queueChanged(result.queued) }
            guard let next = result.next else { return }
            wakeUp = next
        }
    }
}
