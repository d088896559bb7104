import Synchronization
import Testing
import ZRPCTestKit

@testable import ZRPC

/// The hedging interceptor on a manual clock, over a fake transport whose attempts the test
/// answers one by one: when attempts start, which one wins, what is cancelled.
@Suite("Hedging interceptor")
struct HedgingInterceptorTests {
    static let read = MethodDescriptor(service: "test.Hedging", method: "Read", idempotency: .noSideEffects)
    static let write = MethodDescriptor(service: "test.Hedging", method: "Write")

    let clock = ManualClock()
    let events = EventRecorder()
    let gates = Gates()

    /// A hedging interceptor on ``clock``; its timers record `timer` before they sleep.
    func hedging(
        maxAttempts: Int = 3,
        budget: RetryBudget = RetryBudget(),
        configure: (inout HedgingInterceptor.Policy) -> Void = { _ in }
    ) throws -> HedgingInterceptor {
        var policy = HedgingInterceptor.Policy(maxAttempts: maxAttempts, hedgingDelay: .milliseconds(50))
        configure(&policy)
        let (clock, events) = (clock, events)
        return try HedgingInterceptor(
            policy: policy,
            budget: budget,
            seed: 1,
            now: { clock.now },
            sleep: { delay in
                events.record("timer")
                await clock.sleep(for: delay)
            }
        )
    }

    /// A fake transport: records `attempt:<n>`, fails at once as `failures[n]` says, or else waits
    /// for the gate `<n>` and answers with the attempt number and key in its metadata; records
    /// `cancelled:<n>` when cancelled first.
    func transport(failures: [UInt32: RPCError] = [:]) -> @Sendable (ClientRequest) async throws -> ClientResponse {
        let (events, gates) = (events, gates)
        return { request in
            let number = request.attempt
            events.record("attempt:\(number)")
            if let failure = failures[number] { throw failure }
            do {
                try await gates.wait("\(number)")
            } catch {
                events.record("cancelled:\(number)")
                throw RPCError(code: .cancelled, message: "the call was cancelled")
            }
            return ClientResponse(
                payload: try SerializedMessage(bytes: [UInt8(truncatingIfNeeded: number)]),
                metadata: ["attempt": "\(number)", "key": request.idempotencyKey]
            )
        }
    }

    /// Starts a call of `method` through `hedging`.
    func call(
        _ hedging: HedgingInterceptor,
        method: MethodDescriptor = Self.read,
        deadline: ContinuousClock.Instant? = nil,
        failures: [UInt32: RPCError] = [:]
    ) throws -> Task<ClientResponse, any Error> {
        let request = ClientRequest(
            method: method,
            payload: try SerializedMessage(bytes: [1]),
            deadline: deadline ?? clock.now.advanced(by: .seconds(60))
        )
        let next = transport(failures: failures)
        return Task { try await hedging.intercept(request, next: next) }
    }

    /// The attempt that answered `task`, or nil if it failed or took more than 10 seconds.
    func answer(_ task: Task<ClientResponse, any Error>) async -> String? {
        guard case .success(let response)? = await outcome(of: task, within: .seconds(10)) else { return nil }
        return response.metadata["attempt"]
    }

    /// The status `task` failed with, or nil if it succeeded or took more than 10 seconds.
    func failure(_ task: Task<ClientResponse, any Error>) async -> RPCError.Code? {
        guard case .failure(let error)? = await outcome(of: task, within: .seconds(10)) else { return nil }
        return (error as? RPCError)?.code
    }

    func count(_ prefix: String) -> Int {
        events.events.filter { $0.hasPrefix(prefix) }.count
    }

    @Test("the second attempt starts when the hedging delay has passed, not before; it wins, the first is cancelled")
    func delayRespected() async throws {
        let hedging = try hedging(maxAttempts: 2)
        let task = try call(hedging)
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(49))
        #expect(clock.sleepers == 1, "the timer waits on")
        #expect(!events.contains("attempt:2"))
        clock.advance(by: .milliseconds(1))
        #expect(await events.wait(for: "attempt:2"))
        gates.open("2")
        #expect(await answer(task) == "2")
        #expect(events.contains("cancelled:1"), "the loser was cancelled before the call returned")
        #expect(
            hedging.counters
                == .init(calls: 1, attempts: 2, hedges: 1, answeredByHedge: 1, cancelled: 1, refusedByBudget: 0)
        )
    }

    @Test("at most maxAttempts attempts, one hedging delay apart; the first answer wins, the others are cancelled")
    func maxAttempts() async throws {
        let hedging = try hedging(maxAttempts: 3)
        let task = try call(hedging)
        for attempt in 1...3 {
            #expect(await events.wait(for: "attempt:\(attempt)"))
            if attempt < 3 {
                #expect(await clock.waitForSleepers(1))
                clock.advance(by: .milliseconds(50))
            }
        }
        clock.advance(by: .seconds(5))  // no fourth attempt, however long it takes
        gates.open("1")
        #expect(await answer(task) == "1")
        #expect(count("attempt:") == 3)
        #expect(count("timer") == 2, "no timer after the last attempt")
        #expect(events.contains("cancelled:2") && events.contains("cancelled:3"))
        #expect(hedging.counters.hedges == 2)
        #expect(hedging.counters.cancelled == 2)
        #expect(hedging.counters.answeredByHedge == 0)
    }

    @Test("every attempt carries its number and the call's one idempotency key")
    func attemptNumbersAndKey() async throws {
        let hedging = try hedging(maxAttempts: 2)
        let request = ClientRequest(
            method: Self.read,
            payload: try SerializedMessage(bytes: [1]),
            deadline: clock.now.advanced(by: .seconds(60))
        )
        let keys = Mutex<[UInt32: String]>([:])
        let (events, gates) = (events, gates)
        let task = Task {
            try await hedging.intercept(request) { attempt in
                keys.withLock { $0[attempt.attempt] = attempt.idempotencyKey }
                events.record("attempt:\(attempt.attempt)")
                try await gates.wait("\(attempt.attempt)")
                return ClientResponse(payload: try SerializedMessage(bytes: [2]), metadata: [:])
            }
        }
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(50))
        #expect(await events.wait(for: "attempt:2"))
        gates.open("1")
        _ = await outcome(of: task, within: .seconds(10))
        let seen = keys.withLock { $0 }
        #expect(Set(seen.keys) == [1, 2])
        #expect(seen[1] == seen[2])
        #expect(seen[1]?.isEmpty == false)
    }

    @Test("no budget, no hedge: an exhausted budget arms no timer")
    func budgetExhausted() async throws {
        var budget = RetryBudget(maxTokens: 2, tokenRatio: 0.1)
        budget.recordFailure()  // 1 token of 2: retries and hedges need more than half
        let hedging = try hedging(maxAttempts: 3, budget: budget)
        let task = try call(hedging)
        #expect(await events.wait(for: "attempt:1"))
        clock.advance(by: .seconds(1))
        gates.open("1")
        #expect(await answer(task) == "1")
        #expect(count("attempt:") == 1)
        #expect(count("timer") == 0)
        #expect(hedging.counters.refusedByBudget == 1)
        #expect(hedging.counters.hedges == 0)
    }

    @Test("each hedge takes a token: a budget with one to spare allows one hedge")
    func budgetAllowsOne() async throws {
        let hedging = try hedging(maxAttempts: 3, budget: RetryBudget(maxTokens: 2, tokenRatio: 0.1))
        let task = try call(hedging)
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(50))
        #expect(await events.wait(for: "attempt:2"))
        clock.advance(by: .seconds(1))
        gates.open("2")
        #expect(await answer(task) == "2")
        #expect(count("attempt:") == 2)
        #expect(count("timer") == 1)
        #expect(hedging.counters.refusedByBudget == 1)
        #expect(hedging.budget.tokens == 1.1, "2 − 1 for the hedge + 0.1 for the success")
    }

    @Test("a method not safe to repeat is not hedged: one attempt, the request untouched")
    func notIdempotent() async throws {
        let hedging = try hedging(maxAttempts: 3)
        #expect(!hedging.hedges(Self.write))
        let task = try call(hedging, method: Self.write)
        #expect(await events.wait(for: "attempt:1"))
        clock.advance(by: .seconds(1))
        gates.open("1")
        guard case .success(let response)? = await outcome(of: task, within: .seconds(10)) else {
            Issue.record("the call did not succeed")
            return
        }
        #expect(response.metadata["key"] == "", "no idempotency key was made up")
        #expect(count("attempt:") == 1)
        #expect(count("timer") == 0)
        #expect(hedging.counters == .init())
    }

    @Test("a method's own hedging delay applies to its calls")
    func perMethodDelay() async throws {
        let hedging = try hedging(maxAttempts: 2) { $0.hedgingDelayByMethod = [Self.read.fullName: .milliseconds(80)] }
        let task = try call(hedging)
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(79))
        #expect(clock.sleepers == 1, "the 50 ms default does not apply")
        clock.advance(by: .milliseconds(1))
        #expect(await events.wait(for: "attempt:2"))
        gates.open("2")
        #expect(await answer(task) == "2")
    }

    @Test("a method declared idempotency-keyed in the .proto is hedged; a caller's key alone is not enough")
    func keyedMethod() async throws {
        let hedging = try hedging()
        let keyed = MethodDescriptor(
            service: "test.Hedging",
            method: "Place",
            defaults: CallDefaults(idempotencyKeyed: true)
        )
        #expect(hedging.hedges(keyed))
        let request = ClientRequest(
            method: Self.write,
            payload: try SerializedMessage(bytes: [1]),
            deadline: clock.now.advanced(by: .seconds(60)),
            idempotencyKey: "the caller's"
        )
        let next = transport()
        let task = Task { try await hedging.intercept(request, next: next) }
        #expect(await events.wait(for: "attempt:1"))
        gates.open("1")
        #expect(await answer(task) == "1")
        #expect(count("timer") == 0, "not hedged")
    }

    @Test("idempotentMethods adds a method; a per-method limit of 1 takes one out")
    func methodLists() throws {
        let listed = try hedging { $0.idempotentMethods = [Self.write.fullName] }
        #expect(listed.hedges(Self.write))
        let limited = try hedging { $0.maxAttemptsByMethod = [Self.read.fullName: 1] }
        #expect(!limited.hedges(Self.read))
        #expect(throws: ResilienceConfigurationError.self) { try hedging(maxAttempts: 0) }
        #expect(throws: ResilienceConfigurationError.self) { try hedging { $0.hedgingDelay = .milliseconds(-1) } }
    }

    @Test("no attempt starts at or after the call's deadline")
    func deadlineRespected() async throws {
        let hedging = try hedging(maxAttempts: 5)
        let task = try call(hedging, deadline: clock.now.advanced(by: .milliseconds(120)))
        for attempt in 1...3 {
            #expect(await events.wait(for: "attempt:\(attempt)"))
            if attempt < 3 {
                #expect(await clock.waitForSleepers(1))
                clock.advance(by: .milliseconds(50))
            }
        }
        clock.advance(by: .seconds(1))
        gates.open("3")
        #expect(await answer(task) == "3")
        #expect(count("attempt:") == 3, "attempts at 0, 50 and 100 ms; 150 ms is past the deadline")
        #expect(count("timer") == 2)
    }

    @Test("a non-fatal failure starts the next attempt at once")
    func nonFatalFailure() async throws {
        let hedging = try hedging(maxAttempts: 3)
        let task = try call(hedging, failures: [1: RPCError(code: .unavailable, message: "down")])
        #expect(await events.wait(for: "attempt:2"))  // no time has passed on the clock
        gates.open("2")
        #expect(await answer(task) == "2")
        #expect(hedging.counters.hedges == 1)
    }

    @Test("a fatal status ends the call with it and cancels the other attempts")
    func fatalFailure() async throws {
        let hedging = try hedging(maxAttempts: 3)
        let task = try call(hedging, failures: [2: RPCError(code: .invalidArgument, message: "bad")])
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(50))
        #expect(await failure(task) == .invalidArgument)
        #expect(events.contains("cancelled:1"))
        #expect(count("attempt:") == 2)
    }

    @Test("when every attempt fails with a non-fatal status, the call fails with the last")
    func allFail() async throws {
        let hedging = try hedging(maxAttempts: 2)
        let unavailable = RPCError(code: .unavailable, message: "down")
        let task = try call(hedging, failures: [1: unavailable, 2: unavailable])
        #expect(await failure(task) == .unavailable)
        #expect(count("attempt:") == 2)
    }

    @Test("cancelling the caller cancels every attempt")
    func callerCancelled() async throws {
        let hedging = try hedging(maxAttempts: 3)
        let task = try call(hedging)
        #expect(await events.wait(for: "attempt:1"))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(50))
        #expect(await events.wait(for: "attempt:2"))
        task.cancel()
        #expect(await failure(task) == .cancelled)
        #expect(events.contains("cancelled:1") && events.contains("cancelled:2"))
        #expect(count("attempt:") == 2)
    }
}
