import Synchronization
import Testing
import ZRPCTestKit

@testable import ZRPC

/// A bulkhead's queue, driven by a manual clock: how queued calls wait and how their wait ends.
@Suite("Bulkhead queue")
struct BulkheadQueueTests {
    static let method = MethodDescriptor(service: "test.Bulkhead", method: "Call")

    func request(deadline: ContinuousClock.Instant = .now.advanced(by: .seconds(60))) throws -> ClientRequest {
        ClientRequest(
            method: Self.method,
            payload: try SerializedMessage(bytes: [1]),
            metadata: [:],
            deadline: deadline,
            attempt: 1,
            idempotencyKey: ""
        )
    }

    /// A fake transport that records `running:<text>` and holds until the gate `<text>` opens.
    func transport(events: EventRecorder, gates: Gates) -> @Sendable (ClientRequest) async throws -> ClientResponse {
        { request in
            let text = request.idempotencyKey
            events.record("running:\(text)")
            try await gates.wait(text)
            return ClientResponse(payload: try SerializedMessage(bytes: [2]), metadata: [:])
        }
    }

    /// A bulkhead of two permits and a queue of eight, on `clock`, reporting its queue to `events`.
    func bulkhead(clock: ManualClock, events: EventRecorder) throws -> BulkheadInterceptor {
        try BulkheadInterceptor(
            policy: .init(maxConcurrentCalls: 2, maxQueuedCalls: 8, maxWait: .seconds(1)),
            now: { clock.now },
            sleep: { duration in
                events.record("timer-armed")
                await clock.sleep(for: duration)
            },
            queueChanged: { events.record("queued:\($0)") }
        )
    }

    /// Starts a call through `bulkhead` tagged `text`.
    func call(
        _ text: String,
        _ bulkhead: BulkheadInterceptor,
        events: EventRecorder,
        gates: Gates
    ) throws -> Task<ClientResponse, any Error> {
        var request = try request()
        request.idempotencyKey = text
        let next = transport(events: events, gates: gates)
        return Task { try await bulkhead.intercept(request, next: next) }
    }

    /// The status `task` ended with, or nil if it succeeded or did not end within 5 seconds.
    func code(of task: Task<ClientResponse, any Error>) async -> RPCError.Code? {
        guard case .failure(let error)? = await outcome(of: task, within: .seconds(5)) else { return nil }
        return (error as? RPCError)?.code
    }

    /// Whether `task` succeeded within 5 seconds.
    func succeeded(_ task: Task<ClientResponse, any Error>) async -> Bool {
        if case .success? = await outcome(of: task, within: .seconds(5)) { return true }
        return false
    }

    @Test("queued calls wait on one timer, not a sleeping task each, and time out together")
    func oneTimerForTheQueue() async throws {
        let clock = ManualClock()
        let events = EventRecorder()
        let gates = Gates()
        let bulkhead = try bulkhead(clock: clock, events: events)
        let running = try ["a", "b"].map { try call($0, bulkhead, events: events, gates: gates) }
        #expect(await events.wait(for: "running:a"))
        #expect(await events.wait(for: "running:b"))
        var queued: [Task<ClientResponse, any Error>] = []
        for index in 1...5 {
            queued.append(try call("q\(index)", bulkhead, events: events, gates: gates))
            #expect(await events.wait(for: "queued:\(index)"))
        }
        #expect(await events.wait(for: "timer-armed"))
        #expect(clock.sleepers == 1, "one timer for five queued calls")
        clock.advance(by: .seconds(1))
        for task in queued {
            #expect(await code(of: task) == .resourceExhausted)
        }
        #expect(bulkhead.load.queued == 0)
        gates.open("a")
        gates.open("b")
        for task in running { #expect(await succeeded(task)) }
        #expect(bulkhead.load == (0, 0))
    }

    @Test("a queued call ends on whichever comes first: a freed permit or its cancellation")
    func permitOrCancellation() async throws {
        let clock = ManualClock()
        let events = EventRecorder()
        let gates = Gates()
        let bulkhead = try bulkhead(clock: clock, events: events)
        let running = try ["a", "b"].map { try call($0, bulkhead, events: events, gates: gates) }
        #expect(await events.wait(for: "running:a"))
        #expect(await events.wait(for: "running:b"))
        let first = try call("first", bulkhead, events: events, gates: gates)
        #expect(await events.wait(for: "queued:1"))
        let second = try call("second", bulkhead, events: events, gates: gates)
        #expect(await events.wait(for: "queued:2"))
        second.cancel()
        #expect(await code(of: second) == .cancelled)
        gates.open("a")  // frees a permit: the first queued call takes it
        #expect(await events.wait(for: "running:first"))
        #expect(bulkhead.load == (2, 0))
        gates.open("first")
        gates.open("b")
        #expect(await succeeded(first))
        for task in running { #expect(await succeeded(task)) }
        #expect(bulkhead.load == (0, 0))
        #expect(!events.contains("running:second"))
    }

    @Test("a queued call's wait ends at its deadline when that comes before maxWait")
    func deadlineBeforeMaxWait() async throws {
        let clock = ManualClock()
        let events = EventRecorder()
        let gates = Gates()
        let bulkhead = try bulkhead(clock: clock, events: events)
        let running = try ["a", "b"].map { try call($0, bulkhead, events: events, gates: gates) }
        #expect(await events.wait(for: "running:a"))
        #expect(await events.wait(for: "running:b"))
        let patient = try call("patient", bulkhead, events: events, gates: gates)
        #expect(await events.wait(for: "queued:1"))
        var request = try request(deadline: clock.now.advanced(by: .milliseconds(200)))  // on the manual clock
        request.idempotencyKey = "hurried"
        let next = transport(events: events, gates: gates)
        let hurried = Task { try await bulkhead.intercept(request, next: next) }
        #expect(await events.wait(for: "queued:2"))
        clock.advance(by: .milliseconds(500))
        #expect(await code(of: hurried) == .resourceExhausted)
        #expect(bulkhead.load == (2, 1))
        clock.advance(by: .milliseconds(500))
        #expect(await code(of: patient) == .resourceExhausted)
        gates.open("a")
        gates.open("b")
        for task in running { #expect(await succeeded(task)) }
    }
}
