import Foundation
import Testing

@testable import ZRPCQueue

/// Fires across daylight-saving changes. In 2024, America/New_York sprang forward on 10 March at
/// 02:00 EST (07:00 UTC) to 03:00 EDT and fell back on 3 November at 02:00 EDT (06:00 UTC) to 01:00
/// EST; Europe/Berlin sprang forward on 31 March at 02:00 CET (01:00 UTC) to 03:00 CEST and fell
/// back on 27 October at 03:00 CEST (01:00 UTC) to 02:00 CET.
@Suite("Cron and daylight saving")
struct CronDaylightSavingTests {
    let newYork = zone("America/New_York")
    let berlin = zone("Europe/Berlin")

    @Test("New York, spring forward: 02:30 does not exist on 10 March and is skipped")
    func newYorkSpringForwardSkips() {
        let fired = fires(cron("30 2 * * *"), in: newYork, after: instant("2024-03-08T12:00:00Z"), count: 3)
        #expect(
            fired == [
                instant("2024-03-09T02:30:00-05:00"), instant("2024-03-11T02:30:00-04:00"),
                instant("2024-03-12T02:30:00-04:00"),
            ]
        )
    }

    @Test("New York, spring forward: 03:00 fires at the moment of the jump; 02:00 is skipped")
    func newYorkSpringForwardEdges() {
        #expect(
            cron("0 3 * * *").nextFire(after: instant("2024-03-09T12:00:00Z"), in: newYork)
                == instant("2024-03-10T07:00:00Z")
        )
        #expect(
            cron("0 2 * * *").nextFire(after: instant("2024-03-09T12:00:00Z"), in: newYork)
                == instant("2024-03-11T06:00:00Z")
        )
    }

    @Test("New York, spring forward: a 15-minute expression goes from 01:45 EST to 03:00 EDT, 15 minutes apart")
    func newYorkSpringForwardFrequent() {
        let fired = fires(cron("*/15 * * * *"), in: newYork, after: instant("2024-03-10T06:40:00Z"), count: 3)
        #expect(
            fired == [
                instant("2024-03-10T06:45:00Z"), instant("2024-03-10T07:00:00Z"), instant("2024-03-10T07:15:00Z"),
            ]
        )
    }

    @Test("New York, fall back: 01:30 fires once, at its first occurrence (EDT)")
    func newYorkFallBackOnce() {
        let fired = fires(cron("30 1 * * *"), in: newYork, after: instant("2024-11-02T12:00:00Z"), count: 2)
        #expect(fired == [instant("2024-11-03T01:30:00-04:00"), instant("2024-11-04T01:30:00-05:00")])
    }

    @Test("New York, fall back: an hour field starting with * fires in both 01:xx hours")
    func newYorkFallBackHourly() {
        let fired = fires(cron("30 * * * *"), in: newYork, after: instant("2024-11-03T04:00:00Z"), count: 4)
        #expect(
            fired == [
                instant("2024-11-03T00:30:00-04:00"), instant("2024-11-03T01:30:00-04:00"),
                instant("2024-11-03T01:30:00-05:00"), instant("2024-11-03T02:30:00-05:00"),
            ]
        )
        // A fixed hour list covering every hour is not a wildcard: each wall-clock time fires once.
        let fixed = fires(cron("30 0-23 * * *"), in: newYork, after: instant("2024-11-03T04:00:00Z"), count: 3)
        #expect(
            fixed == [
                instant("2024-11-03T00:30:00-04:00"), instant("2024-11-03T01:30:00-04:00"),
                instant("2024-11-03T02:30:00-05:00"),
            ]
        )
    }

    @Test("New York, fall back: asking from inside the repeated hour finds the repeat, or not, by the hour field")
    func newYorkFallBackFromInside() {
        let insideFirstOccurrence = instant("2024-11-03T01:45:00-04:00")
        #expect(
            cron("0 * * * *").nextFire(after: insideFirstOccurrence, in: newYork)
                == instant("2024-11-03T01:00:00-05:00")
        )
        #expect(
            cron("0 1 * * *").nextFire(after: insideFirstOccurrence, in: newYork)
                == instant("2024-11-04T01:00:00-05:00")
        )
    }

    @Test("New York over all of 2024: daily 02:30 fires 365 times, daily 01:30 366, hourly at :30 8784")
    func newYorkYearCounts() {
        let start = instant("2023-12-31T23:59:00-05:00")
        let end = instant("2025-01-01T00:00:00-05:00")
        func count(_ text: String) -> Int {
            fires(cron(text), in: newYork, after: start, count: 10_000).filter { $0 < end }.count
        }
        #expect(count("30 2 * * *") == 365)  // 2024 is a leap year; 10 March has no 02:30
        #expect(count("30 1 * * *") == 366)  // 3 November's 01:30 fires once
        #expect(count("30 * * * *") == 366 * 24)  // one hour lost in March, one repeated in November
    }

    @Test("Berlin, spring forward: 02:30 does not exist on 31 March and is skipped")
    func berlinSpringForward() {
        let fired = fires(cron("30 2 * * *"), in: berlin, after: instant("2024-03-30T12:00:00Z"), count: 2)
        #expect(fired == [instant("2024-04-01T02:30:00+02:00"), instant("2024-04-02T02:30:00+02:00")])
    }

    @Test("Berlin, fall back: 02:30 fires once on 27 October; hourly fires in both 02:00 hours")
    func berlinFallBack() {
        let daily = fires(cron("30 2 * * *"), in: berlin, after: instant("2024-10-26T12:00:00Z"), count: 2)
        #expect(daily == [instant("2024-10-27T02:30:00+02:00"), instant("2024-10-28T02:30:00+01:00")])
        let hourly = fires(cron("0 * * * *"), in: berlin, after: instant("2024-10-26T23:30:00Z"), count: 3)
        #expect(
            hourly == [
                instant("2024-10-27T00:00:00Z"), instant("2024-10-27T01:00:00Z"), instant("2024-10-27T02:00:00Z"),
            ]
        )
    }

    @Test("UTC has no transitions: 02:30 fires every day")
    func utcEveryDay() {
        let fired = fires(cron("30 2 * * *"), in: .gmt, after: instant("2024-03-09T12:00:00Z"), count: 3)
        #expect(
            fired == [
                instant("2024-03-10T02:30:00Z"), instant("2024-03-11T02:30:00Z"), instant("2024-03-12T02:30:00Z"),
            ]
        )
    }
}
