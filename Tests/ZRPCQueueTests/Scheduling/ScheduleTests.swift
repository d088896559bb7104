import Foundation
import Testing

@testable import ZRPCQueue

/// Schedules: validation, interval triggers, and the idempotency key.
@Suite("Schedules")
struct ScheduleTests {
    @Test("the idempotency key is the name, @, and the instant in ISO 8601 UTC with milliseconds")
    func idempotencyKey() throws {
        #expect(
            Schedule.idempotencyKey(name: "nightly", instant: Date(timeIntervalSince1970: 0))
                == "nightly@1970-01-01T00:00:00.000Z"
        )
        #expect(
            Schedule.idempotencyKey(name: "n", instant: Date(unixMillis: 1_710_055_800_123))
                == "n@2024-03-10T07:30:00.123Z"
        )
        #expect(Schedule.idempotencyKey(name: "n", instant: Date(unixMillis: -1)) == "n@1969-12-31T23:59:59.999Z")
        #expect(
            Schedule.idempotencyKey(name: "a@b", instant: instant("2024-02-29T23:59:59Z"))
                == "a@b@2024-02-29T23:59:59.000Z"
        )
        let schedule = try Schedule(name: "report", trigger: .cron(cron("0 6 * * *"), .gmt), queue: "q", payload: [])
        // The same instant written in another zone gives the same key: it is always UTC.
        #expect(schedule.idempotencyKey(for: instant("2024-03-10T02:30:00-05:00")) == "report@2024-03-10T07:30:00.000Z")
    }

    @Test("the key agrees with Foundation's ISO 8601 formatting over random instants")
    func idempotencyKeyMatchesFoundation() {
        var random = SeededRandom(seed: 6)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<1_000 {
            let millis = Int64.random(in: 0...4_102_444_800_000, using: &random)  // 1970 … 2100
            let date = Date(unixMillis: millis)
            #expect(Schedule.idempotencyKey(name: "s", instant: date) == "s@" + formatter.string(from: date))
        }
    }

    @Test("an interval fires at anchor + k × interval, the anchor first")
    func interval() {
        let anchor = instant("2024-01-01T00:00:00Z")
        let trigger = Schedule.Trigger.every(.seconds(90), anchor: anchor)
        #expect(trigger.nextFire(after: instant("2023-06-01T00:00:00Z")) == anchor)
        #expect(trigger.nextFire(after: anchor) == instant("2024-01-01T00:01:30Z"))
        #expect(trigger.nextFire(after: instant("2024-01-01T00:01:29Z")) == instant("2024-01-01T00:01:30Z"))
        #expect(trigger.nextFire(after: instant("2024-01-01T00:01:30Z")) == instant("2024-01-01T00:03:00Z"))
        // Elapsed time, not wall clock: across New York's spring forward nothing changes.
        let hourly = Schedule.Trigger.every(.seconds(3_600), anchor: anchor)
        #expect(hourly.nextFire(after: instant("2024-03-10T06:30:00Z")) == instant("2024-03-10T07:00:00Z"))
    }

    @Test("a cron trigger reads its expression in its zone")
    func cronTrigger() {
        let trigger = Schedule.Trigger.cron(cron("0 9 * * *"), zone("Europe/Berlin"))
        #expect(trigger.nextFire(after: instant("2024-07-01T00:00:00Z")) == instant("2024-07-01T07:00:00Z"))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let name: String
        let queue: String
        let trigger: Schedule.Trigger
        let missedFires: Schedule.MissedFires
        let gracePeriod: Duration
        let reason: String
        var testDescription: String { reason }
    }

    static let invalid: [Invalid] = [
        Invalid(
            name: "",
            queue: "q",
            trigger: .every(.seconds(1), anchor: .distantPast),
            missedFires: .skip,
            gracePeriod: .zero,
            reason: "the name is empty"
        ),
        Invalid(
            name: "s",
            queue: "",
            trigger: .every(.seconds(1), anchor: .distantPast),
            missedFires: .skip,
            gracePeriod: .zero,
            reason: "the queue's name is empty"
        ),
        Invalid(
            name: "s",
            queue: "q",
            trigger: .every(.milliseconds(999), anchor: .distantPast),
            missedFires: .skip,
            gracePeriod: .zero,
            reason: "the interval 0.999 seconds is shorter than a second"
        ),
        Invalid(
            name: "s",
            queue: "q",
            trigger: .every(.seconds(1), anchor: .distantPast),
            missedFires: .catchUpAll(limit: 0),
            gracePeriod: .zero,
            reason: "the catch-up limit 0 is below 1"
        ),
        Invalid(
            name: "s",
            queue: "q",
            trigger: .every(.seconds(1), anchor: .distantPast),
            missedFires: .skip,
            gracePeriod: .seconds(-1),
            reason: "the grace period -1.0 seconds is negative"
        ),
    ]

    @Test("invalid schedules throw with the reason", arguments: invalid)
    func rejectsInvalid(_ example: Invalid) {
        #expect {
            _ = try Schedule(
                name: example.name,
                trigger: example.trigger,
                queue: example.queue,
                payload: [],
                missedFires: example.missedFires,
                gracePeriod: example.gracePeriod
            )
        } throws: { error in
            (error as? ScheduleError)?.reason == example.reason
        }
    }
}
