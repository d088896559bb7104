import Testing
import ZeroMQ

@testable import ZRPC

/// The server driver's value state machines, transition by transition, with no sockets.
@Suite("Server state machines")
struct ServerStateMachineTests {
    typealias Table = ServerCallTable<String, Int>

    static let echo = MethodDescriptor(service: "echo.Echo", method: "Say")
    static let slow = MethodDescriptor(service: "slow.Slow", method: "Wait")

    static func table(
        max: Int = 3,
        perClient: Int = 100,
        perService: [String: Int] = [:],
        maxBytes: Int = 100
    ) -> Table {
        Table(
            limits: .init(
                maxConcurrentCalls: max,
                maxConcurrentCallsPerClient: perClient,
                maxConcurrentCallsPerService: perService,
                maxRequestBytes: maxBytes
            )
        )
    }

    static func arrival(
        _ peer: String,
        _ callID: UInt64,
        _ method: MethodDescriptor = echo,
        bytes: Int = 10
    ) -> Table.Arrival {
        Table.Arrival(peer: peer, callID: callID, method: method, payloadBytes: bytes)
    }

    static func admit(_ table: inout Table, _ arrival: Table.Arrival, draining: Bool = false) -> Table.Admission {
        table.admit(arrival, hostsMethod: true, hostsService: true, refusingNewCalls: draining)
    }

    static func refusal(_ admission: Table.Admission) -> Table.Refusal? {
        if case .refused(let refusal) = admission { return refusal }
        return nil
    }

    /// Admits and tracks a call (as the driver does for a call in a task of its own); nil when refused.
    static func track(_ table: inout Table, _ arrival: Table.Arrival, handle: Int? = nil) -> UInt64? {
        guard case .accepted(let reservation) = admit(&table, arrival) else { return nil }
        table.track(reservation, peer: arrival.peer, callID: arrival.callID, handle: handle)
        return reservation.serial
    }

    // MARK: Call table

    @Test("calls are admitted up to the limit, refused beyond it, and a removed call frees its slot")
    func globalLimit() throws {
        var table = Self.table(max: 2)
        #expect(Self.track(&table, Self.arrival("a", 1)) == 1)
        #expect(Self.track(&table, Self.arrival("a", 2)) == 2)
        let refused = try #require(Self.refusal(Self.admit(&table, Self.arrival("b", 1))))
        #expect(refused.error.code == .resourceExhausted)
        #expect(refused.event == .rejected)
        #expect(table.count == 2)
        #expect(table.remove(serial: 1)?.callID == 1)
        #expect(table.remove(serial: 1) == nil)
        #expect(Self.track(&table, Self.arrival("b", 1)) == 3)
    }

    @Test("a call answered inline holds its slot until released, and is never in the table's index")
    func inlineReservations() throws {
        var table = Self.table(max: 2, perService: ["echo.Echo": 2])
        guard case .accepted(let first) = Self.admit(&table, Self.arrival("a", 1)),
            case .accepted(let second) = Self.admit(&table, Self.arrival("a", 2))
        else {
            Issue.record("expected two admissions")
            return
        }
        #expect(table.count == 2)
        #expect(!table.contains(serial: first.serial))
        #expect(first.limitedService == "echo.Echo")
        #expect(Self.refusal(Self.admit(&table, Self.arrival("a", 3)))?.error.code == .resourceExhausted)
        #expect(table.cancel(peer: "a", callID: 1) == nil)  // not tracked: a CANCEL cannot reach it
        table.release(first)
        table.track(second, peer: "a", callID: 2, handle: 7)  // suspended: tracked from now on
        #expect(table.count == 1)
        #expect(table.cancel(peer: "a", callID: 2)?.handle == 7)
        #expect(table.isEmpty)
        #expect(Self.track(&table, Self.arrival("a", 4)) != nil)
        #expect(Self.track(&table, Self.arrival("a", 5)) != nil)  // the service's count came back too
    }

    @Test("a service with a limit of its own is refused beyond it; other services are not")
    func perServiceLimit() throws {
        var table = Self.table(max: 10, perService: ["slow.Slow": 1])
        #expect(Self.track(&table, Self.arrival("a", 1, Self.slow)) == 1)
        let refused = try #require(Self.refusal(Self.admit(&table, Self.arrival("a", 2, Self.slow))))
        #expect(refused.error.code == .resourceExhausted)
        #expect(refused.error.neverReachedServer)
        #expect(refused.error.message.contains("slow.Slow"))
        #expect(Self.track(&table, Self.arrival("a", 3)) == 2)
        _ = table.remove(serial: 1)
        #expect(Self.track(&table, Self.arrival("a", 4, Self.slow)) == 3)
    }

    @Test(
        "a call id a client has in flight is a duplicate, before any limit; another client may use it; free once answered"
    )
    func duplicateIDs() throws {
        var table = Self.table(max: 2)
        #expect(Self.track(&table, Self.arrival("a", 7)) == 1)
        #expect(Self.admit(&table, Self.arrival("a", 7)) == .duplicate)
        #expect(Self.admit(&table, Self.arrival("a", 7), draining: true) == .duplicate)
        #expect(Self.track(&table, Self.arrival("b", 7)) == 2)
        #expect(Self.admit(&table, Self.arrival("a", 7)) == .duplicate)  // the server is full: still a duplicate
        _ = table.remove(serial: 1)
        #expect(Self.track(&table, Self.arrival("a", 7)) == 3)
    }

    @Test("a client at its limit is refused and the others are not; its share comes back as its calls finish")
    func perClientLimit() throws {
        var table = Self.table(max: 10, perClient: 2)
        #expect(Self.track(&table, Self.arrival("a", 1)) == 1)
        #expect(Self.track(&table, Self.arrival("a", 2)) == 2)
        let refused = try #require(Self.refusal(Self.admit(&table, Self.arrival("a", 3))))
        #expect(refused.error.code == .resourceExhausted)
        #expect(refused.error.neverReachedServer)
        #expect(refused.error.message == "this client is at its limit of 2 concurrent calls")
        #expect(refused.event == .overClientLimit)
        #expect(Self.track(&table, Self.arrival("b", 1)) == 3)
        #expect(Self.track(&table, Self.arrival("b", 2)) == 4)
        _ = table.remove(serial: 1)
        #expect(Self.track(&table, Self.arrival("a", 3)) == 5)
        _ = table.cancel(peer: "b", callID: 1)
        _ = table.removeAll()
        #expect(Self.track(&table, Self.arrival("a", 4)) != nil)
        #expect(Self.track(&table, Self.arrival("a", 5)) != nil)
    }

    @Test("calls of the message being read count toward its client's limit before they are tracked")
    func perClientReservations() throws {
        var table = Self.table(max: 10, perClient: 2)
        guard case .accepted(let first) = Self.admit(&table, Self.arrival("a", 1)) else {
            Issue.record("expected an admission")
            return
        }
        #expect(Self.track(&table, Self.arrival("a", 2)) != nil)
        #expect(Self.refusal(Self.admit(&table, Self.arrival("a", 3)))?.event == .overClientLimit)
        table.release(first)
        #expect(Self.track(&table, Self.arrival("a", 3)) != nil)
    }

    @Test("a client over a limit is logged once per interval, with the count of what was not logged")
    func oncePerInterval() {
        var log = OncePerInterval<String>(interval: .seconds(10), capacity: 2)
        let start = ContinuousClock.now
        #expect(log.record("a", now: start) == 0)
        #expect(log.record("a", now: start + .seconds(1)) == nil)
        #expect(log.record("a", now: start + .seconds(2)) == nil)
        #expect(log.record("b", now: start + .seconds(2)) == 0)
        #expect(log.record("c", now: start + .seconds(3)) == nil)  // full, nothing expired
        #expect(log.record("a", now: start + .seconds(10)) == 2)
        #expect(log.record("c", now: start + .seconds(13)) == 0)  // b expired and was forgotten
    }

    @Test("refusals are checked in order: draining, unknown method, size, then limits")
    func refusalOrder() throws {
        var table = Self.table(max: 0)
        let draining = try #require(
            Self.refusal(
                table.admit(Self.arrival("a", 1), hostsMethod: false, hostsService: false, refusingNewCalls: true)
            )
        )
        #expect(draining.error.code == .unavailable)
        #expect(draining.error.neverReachedServer)
        let unknownService = try #require(
            Self.refusal(
                table.admit(Self.arrival("a", 1), hostsMethod: false, hostsService: false, refusingNewCalls: false)
            )
        )
        #expect(unknownService.error.code == .unimplemented)
        #expect(unknownService.error.message == "unknown service echo.Echo")
        #expect(unknownService.event == .unimplemented)
        let unknownMethod = try #require(
            Self.refusal(
                table.admit(Self.arrival("a", 1), hostsMethod: false, hostsService: true, refusingNewCalls: false)
            )
        )
        #expect(unknownMethod.error.message == "unknown method Say in service echo.Echo")
        let tooLarge = try #require(Self.refusal(Self.admit(&table, Self.arrival("a", 1, bytes: 101))))
        #expect(tooLarge.error.code == .resourceExhausted)
        #expect(tooLarge.error.message.contains("101 bytes"))
        let full = try #require(Self.refusal(Self.admit(&table, Self.arrival("a", 1))))
        #expect(full.error.message.contains("limit of 0 concurrent calls"))
    }

    @Test("a client's cancel removes its call and hands back the handle; handles and removeAll")
    func cancelAndRemoveAll() {
        var table = Self.table(max: 10, perService: ["echo.Echo": 5])
        _ = Self.track(&table, Self.arrival("a", 1), handle: 42)
        _ = Self.track(&table, Self.arrival("b", 1))
        #expect(table.cancel(peer: "b", callID: 9) == nil)
        #expect(table.cancel(peer: "a", callID: 1)?.handle == 42)
        #expect(!table.contains(serial: 1))
        #expect(table.contains(serial: 2))
        #expect(table.removeAll().map(\.callID) == [1])
        #expect(table.isEmpty)
        // The per-service counts were reset too.
        for id in 1...5 { #expect(Self.track(&table, Self.arrival("c", UInt64(id))) != nil) }
        #expect(table.count == 5)
    }

    // MARK: Drain

    typealias Drain = DrainStateMachine<String>

    @Test("an idle server that answered nobody finishes draining at once")
    func idleDrain() {
        var drain = Drain()
        #expect(!drain.refusesNewCalls)
        drain.answered("ignored while serving")
        #expect(drain.beginDrain(idle: true) == .finish)
        #expect(drain.state == .drained)
        #expect(drain.refusesNewCalls)
        #expect(drain.beginDrain(idle: true) == .finish)  // a second shutdown waits for nothing
    }

    @Test("calls in flight finish first; clients answered meanwhile are pinged; their pongs finish the drain")
    func drainWithPings() throws {
        var drain = Drain()
        #expect(drain.beginDrain(idle: false) == nil)
        #expect(drain.refusesNewCalls)
        drain.answered("a")
        drain.answered("b")
        drain.answered("a")
        #expect(drain.state == .waitingForCalls(answered: ["a", "b"]))
        guard case .ping(let nonces)? = drain.callsDone() else {
            Issue.record("expected pings")
            return
        }
        #expect(Set(nonces.keys) == ["a", "b"])
        #expect(Set(nonces.values) == [1, 2])
        #expect(drain.pingsSent([1, 2]) == nil)
        #expect(drain.pong(nonce: 9) == nil)
        let first = try #require(nonces["a"])
        #expect(drain.pong(nonce: first) == nil)
        #expect(drain.pong(nonce: first) == nil)
        #expect(drain.pong(nonce: try #require(nonces["b"])) == .finish)
        #expect(drain.state == .drained)
    }

    @Test("pings that could not be sent are not waited for")
    func unsentPings() {
        var drain = Drain()
        _ = drain.beginDrain(idle: false)
        drain.answered("gone")
        #expect(drain.callsDone() == .ping(["gone": 1]))
        #expect(drain.pingsSent([]) == .finish)
    }

    @Test("the grace period's end cancels calls in flight; unanswered pings time out")
    func timeouts() {
        var drain = Drain()
        #expect(drain.gracePeriodEnded() == nil)  // not draining
        _ = drain.beginDrain(idle: false)
        #expect(drain.gracePeriodEnded() == .cancelCallsInFlight)
        drain.answered("a")
        _ = drain.callsDone()
        #expect(drain.pingsSent([1]) == nil)
        #expect(drain.gracePeriodEnded() == nil)
        #expect(drain.flushTimedOut() == .finish)
        #expect(drain.flushTimedOut() == nil)
    }

    // MARK: Response batches

    @Test("responses gather into one message per client; a full message leaves at once")
    func batches() throws {
        var batches = ResponseBatches()
        let a = try Frame("client-a")
        var full: [WireFormat.OutgoingMessage] = []
        for index in 0..<(WireFormat.maxCallsPerMessage + 1) {
            if let message = try batches.append(to: a, header: try Frame("h\(index)"), payload: Frame()) {
                full.append(message)
            }
        }
        _ = try batches.append(to: try Frame("client-b"), header: try Frame("hb"), payload: nil)
        #expect(full.count == 1)
        #expect(full.first?.calls == WireFormat.maxCallsPerMessage)
        var sent: [WireFormat.OutgoingMessage] = []
        batches.sendAll { sent.append($0) }
        #expect(sent.map(\.calls) == [1, 1])
        #expect(sent.map { $0.frames.first?.string } == ["client-a", "client-b"])
        #expect(batches.isEmpty)
        batches.sendAll { _ in Issue.record("nothing is left to send") }
    }
}
