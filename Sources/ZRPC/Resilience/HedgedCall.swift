/// One hedged call's progress, as a value: which attempt to start and when, and when the call is
/// over. ``HedgingInterceptor`` feeds it events (the call started, its hedging timer fired, an
/// attempt ended) with the shared ``RetryBudget`` and carries out the ``Step`` it returns; there is
/// no clock and no task inside, so tests drive it with instants.
///
/// The rules (gRPC's hedging, A6):
/// - attempt 1 starts at once; each further attempt starts ``delay`` after the previous one, while
///   attempts are left (``maxAttempts`` in all) and before the ``deadline``;
/// - a hedge is armed only while the budget allows one, and takes a token when it is sent; once
///   the budget refuses, the call sends no more hedges;
/// - the first success, or the first failure with a fatal status, ends the call: the attempts still
///   in flight are cancelled;
/// - a failure with a non-fatal status takes a token and starts the next attempt at once (or after
///   the server's `retryAfter`); when the last attempt in flight fails so and none can follow, the
///   call ends with that failure.
struct HedgedCall {
    /// What the interceptor does after an event.
    struct Step: Hashable {
        /// Start this attempt (the call's first is 1).
        var send: Int?
        /// Arm the hedging timer: it reports ``Timer/generation`` after ``Timer/delay``.
        var arm: Timer?
        /// A hedge was wanted but the budget refused it.
        var refusedByBudget = false
        /// The call is over: the last attempt that ended is its outcome, and this many attempts
        /// still in flight are to be cancelled.
        var finish: Finish?
    }

    /// A hedging timer to arm.
    struct Timer: Hashable {
        /// Reported back to ``timerFired(generation:now:budget:)``; a timer that was replaced
        /// reports an old one and is ignored.
        let generation: UInt64
        /// How long from now.
        let delay: Duration
    }

    /// The end of the call.
    struct Finish: Hashable {
        /// Attempts still in flight, to cancel.
        let cancelled: Int
    }

    /// Attempts in all, the first included.
    let maxAttempts: Int
    /// The wait between one attempt's start and the next's.
    let delay: Duration
    /// When the whole call must be done: no attempt starts at or after it.
    let deadline: ContinuousClock.Instant
    /// Attempts started.
    private(set) var sent = 0
    /// Attempts started and not ended.
    private(set) var inFlight = 0
    /// Whether the call is over.
    private(set) var isFinished = false
    /// The armed timer's generation (the one ``timerFired(generation:now:budget:)`` acts on).
    private var generation: UInt64 = 0
    /// Whether a timer is armed.
    private var timerArmed = false
    /// The budget refused a hedge: none follows.
    private var hedgingStopped = false

    /// A call that has not started.
    ///
    /// - Parameters:
    ///   - maxAttempts: Attempts in all (≥ 1).
    ///   - delay: The hedging delay.
    ///   - deadline: The call's deadline.
    init(maxAttempts: Int, delay: Duration, deadline: ContinuousClock.Instant) {
        self.maxAttempts = maxAttempts
        self.delay = delay
        self.deadline = deadline
    }

    /// Starts attempt 1 and arms the timer for attempt 2.
    ///
    /// - Parameters:
    ///   - now: The time.
    ///   - budget: The shared retry budget.
    mutating func start(now: ContinuousClock.Instant, budget: inout RetryBudget) -> Step {
        sent = 1
        inFlight = 1
        var step = Step(send: 1)
        arm(after: delay, now: now, budget: &budget, into: &step)
        return step
    }

    /// The timer of `generation` fired: the next attempt starts, if one may.
    ///
    /// - Parameters:
    ///   - generation: What the timer was armed with.
    ///   - now: The time.
    ///   - budget: The shared retry budget.
    mutating func timerFired(generation: UInt64, now: ContinuousClock.Instant, budget: inout RetryBudget) -> Step {
        guard !isFinished, timerArmed, generation == self.generation else { return Step() }
        timerArmed = false
        return hedge(now: now, budget: &budget)
    }

    /// An attempt succeeded: the call is over.
    ///
    /// - Parameter budget: The shared retry budget (a success gives tokens back).
    mutating func succeeded(budget: inout RetryBudget) -> Step {
        guard !isFinished else { return Step() }
        inFlight -= 1
        budget.recordSuccess()
        return finish()
    }

    /// An attempt failed.
    ///
    /// - Parameters:
    ///   - fatal: Whether its status ends the call (not one of the policy's non-fatal codes).
    ///   - retryAfter: How long the server asked the client to wait, if it did.
    ///   - now: The time.
    ///   - budget: The shared retry budget.
    mutating func failed(
        fatal: Bool,
        retryAfter: Duration?,
        now: ContinuousClock.Instant,
        budget: inout RetryBudget
    ) -> Step {
        guard !isFinished else { return Step() }
        inFlight -= 1
        if fatal { return finish() }
        budget.recordFailure()
        timerArmed = false  // the next attempt need not wait for the timer any more
        if let retryAfter, retryAfter > .zero {
            var step = Step()
            arm(after: retryAfter, now: now, budget: &budget, into: &step)
            return step.arm == nil ? finishIfIdle(step) : step
        }
        return hedge(now: now, budget: &budget)
    }

    /// Starts the next attempt if attempts are left, the deadline has not come and the budget
    /// allows it (taking a token); otherwise ends the call if nothing is left to wait for.
    private mutating func hedge(now: ContinuousClock.Instant, budget: inout RetryBudget) -> Step {
        guard !hedgingStopped, sent < maxAttempts, now < deadline else { return finishIfIdle(Step()) }
        guard budget.allowsRetry else {
            hedgingStopped = true
            return finishIfIdle(Step(refusedByBudget: true))
        }
        budget.recordHedge()
        sent += 1
        inFlight += 1
        var step = Step(send: sent)
        arm(after: delay, now: now, budget: &budget, into: &step)
        return step
    }

    /// Arms the timer for the next attempt, if there may be one: attempts left, its start before
    /// the deadline, and the budget allowing a hedge now (it is asked again when the timer fires).
    private mutating func arm(
        after wait: Duration,
        now: ContinuousClock.Instant,
        budget: inout RetryBudget,
        into step: inout Step
    ) {
        guard !hedgingStopped, sent < maxAttempts, now.advanced(by: wait) < deadline else { return }
        guard budget.allowsRetry else {
            hedgingStopped = true
            step.refusedByBudget = true
            return
        }
        generation += 1
        timerArmed = true
        step.arm = Timer(generation: generation, delay: wait)
    }

    /// Ends the call if no attempt is in flight and no timer armed: nothing more can come.
    private mutating func finishIfIdle(_ step: Step) -> Step {
        guard inFlight == 0, !timerArmed else { return step }
        var step = step
        step.finish = finish().finish
        return step
    }

    private mutating func finish() -> Step {
        isFinished = true
        timerArmed = false
        return Step(finish: Finish(cancelled: inFlight))
    }
}
