import Foundation
import Testing

@testable import ZRPCQueue

/// `nextFire(after:in:)` against hand-checked dates, and against Foundation's Calendar as an oracle.
@Suite("Cron next fire")
struct CronNextFireTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let after: String
        let next: String
        var testDescription: String { "\(expression) in \(zone) after \(after)" }
    }

    static let cases: [Case] = [
        Case(expression: "* * * * *", zone: "UTC", after: "2024-01-01T00:00:00Z", next: "2024-01-01T00:01:00Z"),
        Case(expression: "* * * * *", zone: "UTC", after: "2024-01-01T00:00:30Z", next: "2024-01-01T00:01:00Z"),
        Case(expression: "0 * * * *", zone: "UTC", after: "2024-01-01T00:00:00Z", next: "2024-01-01T01:00:00Z"),
        Case(expression: "*/7 * * * *", zone: "UTC", after: "2024-01-01T00:56:00Z", next: "2024-01-01T01:00:00Z"),
        Case(expression: "59 23 31 12 *", zone: "UTC", after: "2024-06-01T00:00:00Z", next: "2024-12-31T23:59:00Z"),
        // Friday 8 March 2024, after the morning's fire: the next weekday is Monday 11 March.
        Case(expression: "30 8 * * MON-FRI", zone: "UTC", after: "2024-03-08T09:00:00Z", next: "2024-03-11T08:30:00Z"),
        Case(expression: "0 0 29 2 *", zone: "UTC", after: "2024-03-01T00:00:00Z", next: "2028-02-29T00:00:00Z"),
        // 2100 is not a leap year.
        Case(expression: "0 0 29 2 *", zone: "UTC", after: "2096-03-01T00:00:00Z", next: "2104-02-29T00:00:00Z"),
        Case(expression: "0 0 31 * *", zone: "UTC", after: "2024-04-01T00:00:00Z", next: "2024-05-31T00:00:00Z"),
        Case(expression: "15 14 1 * *", zone: "UTC", after: "2024-12-01T14:15:00Z", next: "2025-01-01T14:15:00Z"),
        Case(expression: "@yearly", zone: "UTC", after: "2024-06-15T10:00:00Z", next: "2025-01-01T00:00:00Z"),
        Case(expression: "@monthly", zone: "UTC", after: "2024-01-31T12:00:00Z", next: "2024-02-01T00:00:00Z"),
        // 1 January 2024 was a Monday.
        Case(expression: "@weekly", zone: "UTC", after: "2024-01-01T00:00:00Z", next: "2024-01-07T00:00:00Z"),
        Case(expression: "0 12 * * 7", zone: "UTC", after: "2024-12-31T00:00:00Z", next: "2025-01-05T12:00:00Z"),
        // Both day fields restricted: the 13th OR a Friday. 1 September 2024 was a Sunday.
        Case(expression: "0 0 13 * 5", zone: "UTC", after: "2024-09-01T00:00:00Z", next: "2024-09-06T00:00:00Z"),
        Case(expression: "0 0 13 * 5", zone: "UTC", after: "2024-09-07T00:00:00Z", next: "2024-09-13T00:00:00Z"),
        Case(expression: "0 0 13 * 5", zone: "UTC", after: "2024-09-13T00:00:00Z", next: "2024-09-20T00:00:00Z"),
        // Day-of-month starts with *: the 1st, 11th, 21st or 31st AND a Monday.
        Case(expression: "0 0 */10 * 1", zone: "UTC", after: "2024-01-01T00:00:00Z", next: "2024-03-11T00:00:00Z"),
        Case(
            expression: "0 6 1 JAN,APR,JUL,OCT *",
            zone: "UTC",
            after: "2024-04-01T06:00:00Z",
            next: "2024-07-01T06:00:00Z"
        ),
        // Named zones without daylight saving: India is UTC+05:30.
        Case(
            expression: "0 9 * * *",
            zone: "Asia/Kolkata",
            after: "2024-01-01T00:00:00Z",
            next: "2024-01-01T03:30:00Z"
        ),
        Case(expression: "0 0 1 1 *", zone: "Asia/Tokyo", after: "2024-06-01T00:00:00Z", next: "2024-12-31T15:00:00Z"),
        // New York in winter (EST, UTC−5) and summer (EDT, UTC−4).
        Case(
            expression: "0 9 * * *",
            zone: "America/New_York",
            after: "2024-01-15T15:00:00Z",
            next: "2024-01-16T14:00:00Z"
        ),
        Case(
            expression: "0 9 * * *",
            zone: "America/New_York",
            after: "2024-07-15T15:00:00Z",
            next: "2024-07-16T13:00:00Z"
        ),
        // Across a transition: from EST in February to the first of April, EDT.
        Case(
            expression: "0 0 1 4 *",
            zone: "America/New_York",
            after: "2024-02-01T00:00:00Z",
            next: "2024-04-01T04:00:00Z"
        ),
        Case(
            expression: "0 0 1 4 *",
            zone: "Europe/Berlin",
            after: "2024-02-01T00:00:00Z",
            next: "2024-03-31T22:00:00Z"
        ),
    ]

    @Test("next fires match hand-checked dates", arguments: cases)
    func nextFire(_ example: Case) {
        let next = cron(example.expression).nextFire(after: instant(example.after), in: zone(example.zone))
        #expect(next == instant(example.next))
    }

    @Test("0 and 7 are both Sunday; macros equal their expansions")
    func equivalentForms() {
        let start = instant("2024-05-05T10:00:00Z")
        #expect(
            fires(cron("0 0 * * 0"), in: .gmt, after: start, count: 5)
                == fires(cron("0 0 * * 7"), in: .gmt, after: start, count: 5)
        )
        #expect(
            fires(cron("@daily"), in: .gmt, after: start, count: 5)
                == fires(cron("0 0 * * *"), in: .gmt, after: start, count: 5)
        )
        #expect(
            fires(cron("@hourly"), in: .gmt, after: start, count: 5)
                == fires(cron("0 * * * *"), in: .gmt, after: start, count: 5)
        )
    }

    @Test("a far fire is found quickly: the search skips by fields, not minute by minute")
    func farFire() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<200 {
                _ = cron("0 0 29 2 *").nextFire(after: instant("2096-03-01T00:00:00Z"), in: zone("Europe/Berlin"))
            }
        }
        #expect(elapsed < .seconds(5))
    }

    /// Whether Foundation's Calendar, in the zone, shows a wall-clock time the expression matches.
    private func calendarMatches(_ expression: CronExpression, _ date: Date, _ calendar: Calendar) -> Bool {
        let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday, .second], from: date)
        guard let minute = parts.minute, let hour = parts.hour, let day = parts.day, let month = parts.month,
            let weekday = parts.weekday, parts.second == 0
        else { return false }
        let dayOfMonthMatches = expression.daysOfMonth.contains(day)
        let dayOfWeekMatches = expression.daysOfWeek.contains(weekday - 1)
        let dayMatches =
            expression.dayOfMonthIsWildcard || expression.dayOfWeekIsWildcard
            ? dayOfMonthMatches && dayOfWeekMatches : dayOfMonthMatches || dayOfWeekMatches
        return expression.minutes.contains(minute) && expression.hours.contains(hour)
            && expression.months.contains(month) && dayMatches
    }

    /// Whether the wall-clock minute of `date` was shown earlier (clocks fell back within 3 hours).
    private func shownBefore(_ date: Date, _ calendar: Calendar) -> Bool {
        let parts: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute]
        let wallClock = calendar.dateComponents(parts, from: date)
        return (1...180).contains { minutes in
            calendar.dateComponents(parts, from: date.addingTimeInterval(Double(-60 * minutes))) == wallClock
        }
    }

    @Test(
        "random expressions and zones: every fire matches by Foundation's Calendar, and no matching minute is passed over",
        arguments: ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe"]
    )
    func agreesWithCalendar(zoneName: String) {
        var random = SeededRandom(seed: UInt64(zoneName.utf8.count))
        let timeZone = zone(zoneName)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let minuteForms = ["*", "*/5", "0", "30", "0,15,30,45", "10-20/3", "*/20"]
        let hourForms = ["*", "*/2", "1", "2", "0-3", "1,2,3", "22-23"]
        let dayForms = ["*", "1", "15", "*/10", "28-31"]
        let monthForms = ["*", "3", "10,11", "3-4"]
        let weekdayForms = ["*", "0", "1-5", "SAT,SUN"]
        // Around the 2024 and 2025 transitions of the zones tested, and some ordinary days.
        let starts = [
            "2024-03-09T12:00:00Z", "2024-03-30T12:00:00Z", "2024-04-06T08:00:00Z", "2024-10-05T08:00:00Z",
            "2024-10-26T12:00:00Z", "2024-11-02T12:00:00Z", "2025-01-10T00:00:00Z", "2025-06-21T17:23:45Z",
        ].map { instant($0) }
        for _ in 0..<60 {
            let text = [minuteForms, hourForms, dayForms, monthForms, weekdayForms]
                .map { $0.randomElement(using: &random) ?? "*" }.joined(separator: " ")
            guard let expression = try? CronExpression(text) else { continue }
            var cursor = starts.randomElement(using: &random) ?? .now
            for _ in 0..<3 {
                guard let next = expression.nextFire(after: cursor, in: timeZone) else {
                    Issue.record("\(text) never fires after \(cursor)")
                    break
                }
                #expect(next > cursor, "\(text)")
                #expect(calendarMatches(expression, next, calendar), "\(text) fired at \(next)")
                // Every matching minute in between must be a repeat of one shown before, passed
                // over on purpose (the hour field does not start with *).
                var minute = (cursor.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
                let limit = min(next.timeIntervalSince1970, cursor.timeIntervalSince1970 + 2 * 86_400)
                while minute < limit {
                    let date = Date(timeIntervalSince1970: minute)
                    if calendarMatches(expression, date, calendar) {
                        let passedOverOnPurpose = !expression.hourIsWildcard && shownBefore(date, calendar)
                        #expect(passedOverOnPurpose, "\(text) after \(cursor) skipped \(date), fired \(next)")
                    }
                    minute += 60
                }
                cursor = next
            }
        }
    }
}
