public import Foundation

extension CronExpression {
    /// How far ahead ``nextFire(after:in:)`` looks before it answers `nil`.
    static let searchHorizonSeconds: Double = 50 * 366 * 86_400

    /// The first instant strictly after `date` whose wall-clock time in `timeZone` matches.
    ///
    /// Matching is on the wall clock (the minute, hour, day, month and weekday shown in the time
    /// zone), and around daylight-saving changes:
    /// - **Clocks spring forward**: a wall-clock time that does not exist that day (02:30 in
    ///   America/New_York on the second Sunday of March) is skipped; the expression's next existing
    ///   time fires. An expression running every few minutes simply continues after the gap.
    /// - **Clocks fall back**: a wall-clock time shown twice (01:30 in America/New_York on the
    ///   first Sunday of November) fires once, at its first occurrence — unless the hour field
    ///   starts with `*` (`*/15 * * * *`, `0 * * * *`, `0 */2 * * *`): such an expression runs by
    ///   the clock and fires in both occurrences of the repeated hour, so it never pauses.
    ///
    /// Fires are whole minutes of the zone's wall clock. The search skips by fields (months, then
    /// days, hours and minutes) and by the zone's offset changes, so it is fast however far away
    /// the next fire is.
    ///
    /// ```swift
    /// let expression = try CronExpression("30 2 * * *")
    /// let newYork = TimeZone(identifier: "America/New_York")!
    /// // Saturday 9 March 2024, 12:00 UTC: Sunday's 02:30 does not exist (clocks go from 02:00 to
    /// // 03:00), so the next fire is Monday 11 March, 02:30 EDT (06:30 UTC).
    /// let next = expression.nextFire(after: Date(timeIntervalSince1970: 1_709_985_600), in: newYork)
    /// ```
    ///
    /// - Parameters:
    ///   - date: The instant after which to look.
    ///   - timeZone: The zone whose wall clock the expression reads, such as
    ///     `TimeZone(identifier: "Europe/Berlin")` or `.gmt`.
    /// - Returns: The next fire, or `nil` when there is none within 50 years.
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        let start = date.timeIntervalSince1970
        guard start.isFinite, abs(start) < 1.0e13 else { return nil }
        let horizon = start + Self.searchHorizonSeconds
        var segmentStart = date
        var offset = timeZone.secondsFromGMT(for: date)
        // Wall-clock minutes are counted from 1970-01-01 00:00 on the zone's clock.
        var fromMinute = Int64(((start + Double(offset)) / 60).rounded(.down)) + 1
        while true {
            // Between here and the zone's next transition the offset is constant: wall-clock
            // minutes map one to one onto instants.
            let segmentEnd = timeZone.nextDaylightSavingTimeTransition(after: segmentStart)
            let limitSeconds = min(segmentEnd?.timeIntervalSince1970 ?? horizon, horizon)
            let limitMinute = Int64(((limitSeconds + Double(offset)) / 60).rounded(.up))
            while let minute = firstMatchingMinute(from: fromMinute, before: limitMinute) {
                let instant = Date(timeIntervalSince1970: Double(minute * 60 - Int64(offset)))
                fromMinute = minute + 1
                guard timeZone.secondsFromGMT(for: instant) == offset else { continue }
                if !hourIsWildcard && Self.isRepeatedWallClockTime(instant, offset: offset, in: timeZone) { continue }
                return instant
            }
            guard let end = segmentEnd, end.timeIntervalSince1970 < horizon else { return nil }
            segmentStart = end
            offset = timeZone.secondsFromGMT(for: end)
            fromMinute = Int64(((end.timeIntervalSince1970 + Double(offset)) / 60).rounded(.up))
        }
    }

    /// Whether the wall-clock time of `instant` was shown before, in the hour(s) before clocks fell back.
    private static func isRepeatedWallClockTime(_ instant: Date, offset: Int, in timeZone: TimeZone) -> Bool {
        let earlierOffset = timeZone.secondsFromGMT(for: instant.addingTimeInterval(-86_400))
        guard earlierOffset > offset else { return false }
        let earlierInstant = instant.addingTimeInterval(-Double(earlierOffset - offset))
        return timeZone.secondsFromGMT(for: earlierInstant) == earlierOffset
    }

    /// The first wall-clock minute in `from ..< limit` that the expression matches, skipping
    /// whole months, days and hours that cannot match.
    func firstMatchingMinute(from: Int64, before limit: Int64) -> Int64? {
        guard from < limit else { return nil }
        let startDay = CivilCalendar.floorDivide(from, 1_440)
        let minuteOfDay = Int(from - startDay * 1_440)
        let date = CivilCalendar.day(fromDayNumber: Int(startDay))
        var (year, month, day) = (date.year, date.month, date.day)
        var (hour, minute) = (minuteOfDay / 60, minuteOfDay % 60)
        while true {
            let dayStart = Int64(CivilCalendar.dayNumber(year: year, month: month, day: day)) * 1_440
            guard dayStart < limit else { return nil }
            guard let matchingMonth = months.first(atOrAfter: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if matchingMonth != month {
                (month, day, hour, minute) = (matchingMonth, 1, 0, 0)
                continue
            }
            guard day <= CivilCalendar.daysInMonth(year: year, month: month) else {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            guard matchesDay(year: year, month: month, day: day), let matchingHour = hours.first(atOrAfter: hour) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            if matchingHour != hour { (hour, minute) = (matchingHour, 0) }
            guard let matchingMinute = minutes.first(atOrAfter: minute) else {
                (hour, minute) = (hour + 1, 0)
                continue
            }
            let found = dayStart + Int64(hour * 60 + matchingMinute)
            return found < limit ? found : nil
        }
    }
}
