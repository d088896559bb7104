import Foundation
import Testing
import ZRPCTestKit

@testable import ZRPCQueue

/// The planner: due fires by the missed-fire policies, restarts, two schedulers, clock jumps.
/// Most tests use an hourly schedule (`0 * * * *`, UTC) whose fire was last recorded at 10:00.
@Suite("Schedule planner")
struct SchedulePlannerTests {
    private func hourly(_ missedFires: Schedule.MissedFires = .skip) throws -> Schedule {
        try Schedule(
            name: "hourly",
            trigger: .cron(cron("0 * * * *"), .gmt),
            queue: "jobs",
            payload: [1],
            missedFires: missedFires
        )
    }

    private func at(_ time: String) -> UnixMillis { millis("2024-05-01T\(time)Z") }

    private func planner(_ schedule: Schedule, lastFire: String? = "10:00:00") -> SchedulePlanner {
        SchedulePlanner(schedule: schedule, lastFire: lastFire.map(at), createdAt: at("09:20:00"))
    }

    private func instants(_ plan: SchedulePlanner.Plan) -> [UnixMillis] { plan.fires.map(\.instant) }

    @Test("a new schedule fires first at the next instant after its creation, never its past ones")
    func newSchedule() throws {
        var planner = SchedulePlanner(
            schedule: try hourly(.catchUpAll(limit: 100)),
            lastFire: nil,
            createdAt: at("09:20:00")
        )
        #expect(planner.nextWakeUp == at("10:00:00"))
        let quiet = planner.plan(now: at("09:20:00"))
        #expect(quiet == .init(fires: [], skipped: nil, lastFire: nil, nextWakeUp: at("10:00:00")))
        let first = planner.plan(now: at("10:00:00.250"))
        #expect(
            first.fires == [
                .init(instant: at("10:00:00"), idempotencyKey: "hourly@2024-05-01T10:00:00.000Z", isCatchUp: false)
            ]
        )
        #expect(first.lastFire == at("10:00:00") && first.nextWakeUp == at("11:00:00"))
    }

    @Test(
        "on time: a fire within the grace period is enqueued under every policy",
        arguments: [Schedule.MissedFires.skip, .catchUpOnce, .catchUpAll(limit: 3)]
    )
    func onTime(_ policy: Schedule.MissedFires) throws {
        var planner = planner(try hourly(policy))
        #expect(planner.plan(now: at("10:59:59")).fires.isEmpty)
        #expect(instants(planner.plan(now: at("11:01:00"))) == [at("11:00:00")])  // exactly the grace period late
        var late = self.planner(try hourly(policy), lastFire: "11:00:00")
        let plan = late.plan(now: at("12:01:00.001"))  // a millisecond more
        #expect(plan.fires.allSatisfy { $0.isCatchUp } && plan.lastFire == at("12:00:00"))
    }

    @Test("skip: fires missed during an outage are dropped; the schedule carries on")
    func skip() throws {
        var planner = planner(try hourly(.skip))
        let plan = planner.plan(now: at("15:30:00"))
        #expect(plan.fires.isEmpty)
        #expect(plan.skipped == at("11:00:00")...at("15:00:00"))
        #expect(plan.lastFire == at("15:00:00") && plan.nextWakeUp == at("16:00:00"))
        #expect(planner.lastFire == at("15:00:00"))
    }

    @Test("skip: when the outage ends on time for a fire, that fire runs and only the older ones are dropped")
    func skipWithOnTimeFire() throws {
        var planner = planner(try hourly(.skip))
        let plan = planner.plan(now: at("15:00:30"))
        #expect(instants(plan) == [at("15:00:00")] && plan.fires.allSatisfy { !$0.isCatchUp })
        #expect(plan.skipped == at("11:00:00")...at("14:00:00"))
    }

    @Test("catch up once: the missed fires run once, as the latest of them")
    func catchUpOnce() throws {
        var planner = planner(try hourly(.catchUpOnce))
        let plan = planner.plan(now: at("15:30:00"))
        #expect(
            plan.fires == [
                .init(instant: at("15:00:00"), idempotencyKey: "hourly@2024-05-01T15:00:00.000Z", isCatchUp: true)
            ]
        )
        #expect(plan.skipped == at("11:00:00")...at("14:00:00"))
        var withOnTime = self.planner(try hourly(.catchUpOnce))
        let both = withOnTime.plan(now: at("15:00:30"))
        #expect(both.fires.map(\.instant) == [at("14:00:00"), at("15:00:00")])
        #expect(both.fires.map(\.isCatchUp) == [true, false])
        #expect(both.skipped == at("11:00:00")...at("13:00:00"))
        // A single missed fire is caught up with nothing skipped.
        var single = self.planner(try hourly(.catchUpOnce), lastFire: "14:00:00")
        let one = single.plan(now: at("15:30:00"))
        #expect(instants(one) == [at("15:00:00")] && one.skipped == nil)
    }

    @Test("catch up all: each missed fire runs, the latest `limit` of them")
    func catchUpAll() throws {
        var limited = planner(try hourly(.catchUpAll(limit: 3)))
        let plan = limited.plan(now: at("15:30:00"))
        #expect(instants(plan) == [at("13:00:00"), at("14:00:00"), at("15:00:00")])
        #expect(plan.fires.allSatisfy { $0.isCatchUp })
        #expect(plan.skipped == at("11:00:00")...at("12:00:00"))
        var unlimited = planner(try hourly(.catchUpAll(limit: 10)))
        let all = unlimited.plan(now: at("15:30:00"))
        #expect(instants(all) == ["11", "12", "13", "14", "15"].map { at("\($0):00:00") } && all.skipped == nil)
    }

    @Test("restart: a planner made from the recorded last fire produces nothing already produced")
    func restart() throws {
        let schedule = try hourly(.catchUpAll(limit: 10))
        var before = planner(schedule)
        let plan = before.plan(now: at("13:00:10"))
        #expect(instants(plan) == [at("11:00:00"), at("12:00:00"), at("13:00:00")])
        // The broker recorded plan.lastFire and restarted.
        var after = SchedulePlanner(schedule: schedule, lastFire: plan.lastFire, createdAt: at("09:20:00"))
        #expect(after.plan(now: at("13:00:20")).fires.isEmpty)
        #expect(instants(after.plan(now: at("14:00:00"))) == [at("14:00:00")])
    }

    @Test(
        "restart before the record was written: the same fires come again with the same keys, for the broker to de-duplicate"
    )
    func restartBeforeRecord() throws {
        let schedule = try hourly(.catchUpOnce)
        var crashed = planner(schedule)
        let lost = crashed.plan(now: at("13:00:10"))
        var restarted = planner(schedule)
        let again = restarted.plan(now: at("13:00:40"))
        #expect(again.fires == lost.fires)
    }

    @Test("two schedulers with the same state produce the same fires and keys")
    func twoSchedulers() throws {
        for policy in [Schedule.MissedFires.skip, .catchUpOnce, .catchUpAll(limit: 4)] {
            let schedule = try hourly(policy)
            var first = planner(schedule)
            var second = planner(schedule)
            // Their clocks differ by a few seconds.
            let a = first.plan(now: at("16:00:05"))
            let b = second.plan(now: at("16:00:41"))
            #expect(a == b)
            #expect(Set(a.fires.map(\.idempotencyKey)).count == a.fires.count)
        }
    }

    @Test("a clock jumping backwards never produces a fire already produced")
    func backwardJump() throws {
        var planner = planner(try hourly(.catchUpAll(limit: 10)))
        #expect(instants(planner.plan(now: at("15:00:10"))).last == at("15:00:00"))
        let back = planner.plan(now: at("12:00:00"))
        #expect(back.fires.isEmpty && back.skipped == nil)
        #expect(back.lastFire == at("15:00:00") && back.nextWakeUp == at("16:00:00"))
        #expect(planner.plan(now: at("15:59:59")).fires.isEmpty)
        #expect(instants(planner.plan(now: at("16:00:01"))) == [at("16:00:00")])
    }

    @Test("a clock jumping forward produces what the missed-fire policy says")
    func forwardJump() throws {
        let expected: [(Schedule.MissedFires, [String])] = [
            (.skip, []), (.catchUpOnce, ["2024-05-03T13:00:00Z"]),
            (.catchUpAll(limit: 2), ["2024-05-03T12:00:00Z", "2024-05-03T13:00:00Z"]),
        ]
        for (policy, fires) in expected {
            var planner = planner(try hourly(policy))
            #expect(planner.plan(now: at("10:00:05")).fires.isEmpty)
            let plan = planner.plan(now: millis("2024-05-03T13:20:00Z"))  // two days later
            #expect(instants(plan) == fires.map { millis($0) })
            #expect(plan.skipped?.lowerBound == at("11:00:00"))
            #expect(plan.nextWakeUp == millis("2024-05-03T14:00:00Z"))
        }
    }

    @Test("a years-long outage of an every-minute schedule is planned without enumerating it")
    func longOutage() throws {
        let schedule = try Schedule(
            name: "minutely",
            trigger: .cron(cron("* * * * *"), zone("Europe/Berlin")),
            queue: "q",
            payload: [],
            missedFires: .catchUpAll(limit: 3)
        )
        var planner = SchedulePlanner(schedule: schedule, lastFire: millis("2020-01-01T00:00:00Z"), createdAt: 0)
        let elapsed = ContinuousClock().measure {
            let plan = planner.plan(now: millis("2024-01-01T00:00:30Z"))
            // The limit counts missed fires; the on-time one (00:00) comes on top.
            let expected = [
                "2023-12-31T23:57:00Z", "2023-12-31T23:58:00Z", "2023-12-31T23:59:00Z", "2024-01-01T00:00:00Z",
            ]
            #expect(instants(plan) == expected.map { millis($0) })
            #expect(plan.fires.map(\.isCatchUp) == [true, true, true, false])
            #expect(plan.skipped == millis("2020-01-01T00:01:00Z")...millis("2023-12-31T23:56:00Z"))
        }
        #expect(elapsed < .seconds(5))
    }

    @Test("an interval schedule: missed fires by the policy, keys at the anchor's millisecond")
    func intervalSchedule() throws {
        let anchor = Date(unixMillis: at("00:00:00.250"))
        let schedule = try Schedule(
            name: "every-10-min",
            trigger: .every(.seconds(600), anchor: anchor),
            queue: "q",
            payload: [],
            missedFires: .catchUpAll(limit: 1),
            gracePeriod: .seconds(5)
        )
        var planner = SchedulePlanner(schedule: schedule, lastFire: at("10:00:00.250"), createdAt: 0)
        let plan = planner.plan(now: at("10:30:03"))
        #expect(
            plan.fires.map(\.idempotencyKey) == [
                "every-10-min@2024-05-01T10:20:00.250Z", "every-10-min@2024-05-01T10:30:00.250Z",
            ]
        )
        #expect(plan.fires.map(\.isCatchUp) == [true, false])
        #expect(plan.skipped == at("10:10:00.250")...at("10:10:00.250"))
        #expect(plan.nextWakeUp == at("10:40:00.250"))
    }

    @Test(
        "driven by a manual clock through New York's fall-back day: a 30-minute schedule fires every 30 minutes of real time"
    )
    func manualClockThroughFallBack() throws {
        let schedule = try Schedule(
            name: "half-hourly",
            trigger: .cron(cron("*/30 * * * *"), zone("America/New_York")),
            queue: "q",
            payload: []
        )
        let clock = ManualClock()
        let start = clock.now
        let base = millis("2024-11-02T12:00:00Z")
        var wallClock: UnixMillis { base + (clock.now - start).unixMillis }
        var planner = SchedulePlanner(schedule: schedule, lastFire: nil, createdAt: wallClock)
        var fired: [UnixMillis] = []
        while wallClock < millis("2024-11-03T12:10:00Z") {
            fired += planner.plan(now: wallClock).fires.filter { !$0.isCatchUp }.map(\.instant)
            guard let wakeUp = planner.nextWakeUp else { break }
            // The driver sleeps until the next fire; the clock is advanced to it, 20 ms late.
            clock.advance(by: .milliseconds(wakeUp - wallClock + 20))
        }
        #expect(fired.count == 48)
        #expect(zip(fired, fired.dropFirst()).allSatisfy { $1 - $0 == 1_800_000 })
        #expect(
            fired.contains(millis("2024-11-03T01:30:00-04:00")) && fired.contains(millis("2024-11-03T01:30:00-05:00"))
        )
    }
}
