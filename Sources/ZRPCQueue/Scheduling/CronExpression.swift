/// A standard five-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a` to the
/// field's end), or a comma-separated list of those. Months may be written JAN-DEC and weekdays
/// SUN-SAT (any case); in the weekday field 0 and 7 both mean Sunday. As in Vixie cron, when the
/// day-of-month and day-of-week fields are both restricted (neither starts with `*`), a day matches
/// if either matches. The macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
/// (`@midnight`) and `@hourly` stand for their usual expressions.
///
/// ```swift
/// let weekdayMornings = try CronExpression("30 8 * * MON-FRI")
/// let berlin = TimeZone(identifier: "Europe/Berlin")!
/// let next = weekdayMornings.nextFire(after: .now, in: berlin)   // the next 08:30 in Berlin on a weekday
/// ```
///
/// How fires behave across daylight-saving changes is described at ``nextFire(after:in:)``.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    /// The text the expression was parsed from, as given (macros included): what to store.
    public let source: String

    let minutes: CronValueSet
    let hours: CronValueSet
    let daysOfMonth: CronValueSet
    let months: CronValueSet
    /// 0 (Sunday) … 6 (Saturday); a 7 in the text is stored as 0.
    let daysOfWeek: CronValueSet
    /// Whether the day-of-month field starts with `*` (Vixie cron's rule for combining day fields).
    let dayOfMonthIsWildcard: Bool
    /// Whether the day-of-week field starts with `*`.
    let dayOfWeekIsWildcard: Bool
    /// Whether the hour field starts with `*`: then the expression runs by the clock through a
    /// repeated hour when clocks fall back (see ``nextFire(after:in:)``).
    let hourIsWildcard: Bool

    /// Parses a cron expression; leading and trailing white space is ignored and fields are
    /// separated by any white space.
    ///
    /// ```swift
    /// let nightly = try CronExpression("@daily")              // 0 0 * * *
    /// let quarterly = try CronExpression("0 6 1 JAN,APR,JUL,OCT *")
    /// let everyTenMinutesAtWork = try CronExpression("*/10 9-17 * * 1-5")
    /// ```
    ///
    /// - Parameter text: The expression, or one of the macros.
    /// - Throws: ``CronExpressionError`` naming the field at fault and why, for anything that is
    ///   not a valid expression (including a day that never occurs, such as `0 0 30 2 *`).
    public init(_ text: String) throws(CronExpressionError) {
        self = try CronParser.parse(text)
    }

    init(
        source: String,
        minutes: CronValueSet,
        hours: CronValueSet,
        daysOfMonth: CronValueSet,
        months: CronValueSet,
        daysOfWeek: CronValueSet,
        dayOfMonthIsWildcard: Bool,
        dayOfWeekIsWildcard: Bool,
        hourIsWildcard: Bool
    ) {
        self.source = source
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = daysOfWeek
        self.dayOfMonthIsWildcard = dayOfMonthIsWildcard
        self.dayOfWeekIsWildcard = dayOfWeekIsWildcard
        self.hourIsWildcard = hourIsWildcard
    }

    /// The expression's text, as it was given.
    public var description: String { source }

    /// Whether the expression allows a calendar day (months and hours aside).
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let dayOfMonthMatches = daysOfMonth.contains(day)
        let weekday = CivilCalendar.weekday(ofDayNumber: CivilCalendar.dayNumber(year: year, month: month, day: day))
        let dayOfWeekMatches = daysOfWeek.contains(weekday)
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }
}
