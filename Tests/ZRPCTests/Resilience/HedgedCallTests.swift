import Testing

@testable import ZRPC

/// The hedging state machine, driven by explicit instants: which attempt starts when, and when
/// the call ends.
@Suite("Hedged call state machine")
struct HedgedCallTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant {
        start.advanced(by: .milliseconds(milliseconds))
    }

    /// A call of `maxAttempts` with a 50 ms delay and a deadline at `deadline` ms.
    func call(maxAttempts: Int = 3, deadline: Int = 10_000) -> HedgedCall {
        HedgedCall(maxAttempts: maxAttempts, delay: .milliseconds(50), deadline: at(deadline))
    }

    @Test("attempt 1 at once, each hedge a delay after the previous attempt, none after maxAttempts")
    func attemptsAndTimers() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 3)
        let first = call.start(now: at(0), budget: &budget)
        #expect(first.send == 1)
        let timer1 = try #require(first.arm)
        #expect(timer1.delay == .milliseconds(50))
        let second = call.timerFired(generation: timer1.generation, now: at(50), budget: &budget)
        #expect(second.send == 2)
        let timer2 = try #require(second.arm)
        let third = call.timerFired(generation: timer2.generation, now: at(100), budget: &budget)
        #expect(third.send == 3)
        #expect(third.arm == nil, "no timer after the last attempt")
        #expect(call.inFlight == 3)
        #expect(budget.tokens == 8, "each hedge took a token")
    }

    @Test("one attempt only: no timer at all")
    func singleAttempt() {
        var budget = RetryBudget()
        var call = call(maxAttempts: 1)
        #expect(call.start(now: at(0), budget: &budget) == HedgedCall.Step(send: 1))
    }

    @Test("the first success ends the call and cancels the attempts in flight")
    func firstSuccessWins() throws {
        var budget = RetryBudget(maxTokens: 10, tokenRatio: 0.5)
        var call = call(maxAttempts: 3)
        let timer = try #require(call.start(now: at(0), budget: &budget).arm)
        _ = call.timerFired(generation: timer.generation, now: at(50), budget: &budget)
        let won = call.succeeded(budget: &budget)
        #expect(won.finish == HedgedCall.Finish(cancelled: 1))
        #expect(call.isFinished)
        #expect(budget.tokens == 9.5)
        #expect(call.succeeded(budget: &budget) == HedgedCall.Step(), "a later answer changes nothing")
    }

    @Test("a stale timer (replaced, or after the end) does nothing")
    func staleTimer() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 3)
        let timer = try #require(call.start(now: at(0), budget: &budget).arm)
        // A non-fatal failure starts attempt 2 at once, with a timer of its own.
        let failed = call.failed(fatal: false, retryAfter: nil, now: at(10), budget: &budget)
        #expect(failed.send == 2)
        let replacement = try #require(failed.arm)
        #expect(replacement.generation != timer.generation)
        #expect(call.timerFired(generation: timer.generation, now: at(50), budget: &budget) == HedgedCall.Step())
        #expect(call.timerFired(generation: replacement.generation, now: at(60), budget: &budget).send == 3)
    }

    @Test("a fatal status ends the call at once")
    func fatalEnds() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 3)
        let timer = try #require(call.start(now: at(0), budget: &budget).arm)
        _ = call.timerFired(generation: timer.generation, now: at(50), budget: &budget)
        let step = call.failed(fatal: true, retryAfter: nil, now: at(60), budget: &budget)
        #expect(step.finish == HedgedCall.Finish(cancelled: 1))
        #expect(step.send == nil)
        #expect(budget.tokens == 9, "a fatal failure takes no token (only the hedge did)")
    }

    @Test("non-fatal failures: the next attempt at once; the last one's failure ends the call")
    func nonFatalFailures() {
        var budget = RetryBudget()
        var call = call(maxAttempts: 2)
        _ = call.start(now: at(0), budget: &budget)
        let retried = call.failed(fatal: false, retryAfter: nil, now: at(5), budget: &budget)
        #expect(retried.send == 2)
        #expect(retried.arm == nil)
        let last = call.failed(fatal: false, retryAfter: nil, now: at(8), budget: &budget)
        #expect(last.finish == HedgedCall.Finish(cancelled: 0))
        #expect(budget.tokens == 7, "two failures and one hedge")
    }

    @Test("a non-fatal failure while another attempt runs waits for it when no attempt is left")
    func nonFatalWaitsForOthers() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 2)
        let timer = try #require(call.start(now: at(0), budget: &budget).arm)
        _ = call.timerFired(generation: timer.generation, now: at(50), budget: &budget)
        #expect(call.failed(fatal: false, retryAfter: nil, now: at(60), budget: &budget) == HedgedCall.Step())
        #expect(!call.isFinished)
        #expect(call.succeeded(budget: &budget).finish == HedgedCall.Finish(cancelled: 0))
    }

    @Test("the server's retry-after delays the next attempt")
    func pushback() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 3)
        _ = call.start(now: at(0), budget: &budget)
        let step = call.failed(fatal: false, retryAfter: .milliseconds(300), now: at(10), budget: &budget)
        #expect(step.send == nil)
        let timer = try #require(step.arm)
        #expect(timer.delay == .milliseconds(300))
        #expect(call.timerFired(generation: timer.generation, now: at(310), budget: &budget).send == 2)
    }

    @Test("no attempt starts at or after the deadline")
    func deadline() throws {
        var budget = RetryBudget()
        var call = call(maxAttempts: 5, deadline: 120)
        let timer1 = try #require(call.start(now: at(0), budget: &budget).arm)
        let second = call.timerFired(generation: timer1.generation, now: at(50), budget: &budget)
        let timer2 = try #require(second.arm)
        let third = call.timerFired(generation: timer2.generation, now: at(100), budget: &budget)
        #expect(third.send == 3)
        #expect(third.arm == nil, "a hedge at 150 ms would pass the 120 ms deadline")
        var late = self.call(maxAttempts: 5, deadline: 40)
        #expect(late.start(now: at(0), budget: &budget).arm == nil)
        var slowTimer = self.call(maxAttempts: 5, deadline: 60)
        let timer = try #require(slowTimer.start(now: at(0), budget: &budget).arm)
        // A timer that fires late (a busy machine), at the deadline: nothing starts.
        let fired = slowTimer.timerFired(generation: timer.generation, now: at(60), budget: &budget)
        #expect(fired.send == nil)
        #expect(fired.finish == nil, "attempt 1 still runs")
    }

    @Test("no budget, no hedge: none is armed, or one due is refused, and none follows")
    func budget() throws {
        var empty = RetryBudget(maxTokens: 2, tokenRatio: 0.1)
        empty.recordFailure()  // 1 token of 2: not above half
        var call = call(maxAttempts: 3)
        let start = call.start(now: at(0), budget: &empty)
        #expect(start.send == 1)
        #expect(start.arm == nil)
        #expect(start.refusedByBudget)

        var one = RetryBudget(maxTokens: 2, tokenRatio: 0.1)  // allows one hedge
        var other = self.call(maxAttempts: 3)
        let timer = try #require(other.start(now: at(0), budget: &one).arm)
        let hedge = other.timerFired(generation: timer.generation, now: at(50), budget: &one)
        #expect(hedge.send == 2)
        #expect(hedge.arm == nil)
        #expect(hedge.refusedByBudget, "the hedge took the last token above half")

        var drained = RetryBudget(maxTokens: 4, tokenRatio: 0.1)
        var third = self.call(maxAttempts: 3)
        let armed = try #require(third.start(now: at(0), budget: &drained).arm)
        for _ in 0..<2 { drained.recordFailure() }  // other calls failed meanwhile
        let refused = third.timerFired(generation: armed.generation, now: at(50), budget: &drained)
        #expect(refused.send == nil)
        #expect(refused.refusedByBudget)
        #expect(third.failed(fatal: false, retryAfter: nil, now: at(60), budget: &drained).finish != nil)
    }
}
