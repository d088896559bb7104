public import Foundation

extension Schedule {
    /// The idempotency key of this schedule's fire at `instant`: `"name@2024-03-10T07:30:00.000Z"`.
    ///
    /// Every scheduler computes the same key for the same fire, so when two schedulers run at
    /// once, or one restarts before it recorded a fire, the broker's de-duplication enqueues the
    /// fire's task once.
    ///
    /// ```swift
    /// schedule.idempotencyKey(for: Date(timeIntervalSince1970: 1_710_055_800))   // "nightly@2024-03-10T07:30:00.000Z"
    /// ```
    ///
    /// - Parameter instant: The fire's scheduled instant (not the time it ran).
    /// - Returns: The key.
    public func idempotencyKey(for instant: Date) -> String {
        Self.idempotencyKey(name: name, instant: instant)
    }

    /// The idempotency key of the fire at `instant` of the schedule called `name`: the name, `@`,
    /// and the instant in ISO 8601 UTC with milliseconds.
    ///
    /// ```swift
    /// Schedule.idempotencyKey(name: "nightly", instant: Date(timeIntervalSince1970: 0))   // "nightly@1970-01-01T00:00:00.000Z"
    /// ```
    ///
    /// - Parameters:
    ///   - name: The schedule's name.
    ///   - instant: The fire's scheduled instant, rounded to the millisecond.
    /// - Returns: The key.
    public static func idempotencyKey(name: String, instant: Date) -> String {
        idempotencyKey(name: name, millis: instant.unixMillis)
    }

    static func idempotencyKey(name: String, millis: UnixMillis) -> String {
        "\(name)@\(iso8601(millis: millis))"
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
    static func iso8601(millis: UnixMillis) -> String {
        let dayNumber = CivilCalendar.floorDivide(millis, 86_400_000)
        let millisOfDay = Int(millis - dayNumber * 86_400_000)
        let date = CivilCalendar.day(fromDayNumber: Int(dayNumber))
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let year = date.year < 0 ? "-" + padded(-date.year, 4) : padded(date.year, 4)
        return "\(year)-\(padded(date.month, 2))-\(padded(date.day, 2))T"
            + "\(padded(millisOfDay / 3_600_000, 2)):\(padded(millisOfDay / 60_000 % 60, 2)):"
            + "\(padded(millisOfDay / 1_000 % 60, 2)).\(padded(millisOfDay % 1_000, 3))Z"
    }
}
