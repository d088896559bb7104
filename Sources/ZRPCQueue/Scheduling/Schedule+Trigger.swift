public import Foundation

extension Schedule {
    /// When a schedule fires: on a cron expression read on a time zone's wall clock, or at a fixed
    /// interval from an anchor instant.
    ///
    /// ```swift
    /// let nightly = Schedule.Trigger.cron(try CronExpression("0 3 * * *"), TimeZone(identifier: "Europe/Berlin")!)
    /// let everyFiveMinutes = Schedule.Trigger.every(.seconds(300), anchor: Date(timeIntervalSince1970: 0))
    /// ```
    public enum Trigger: Hashable, Sendable {
        /// Fires when the expression matches the zone's wall clock (DST rules at
        /// ``CronExpression/nextFire(after:in:)``). Use `.gmt` for UTC.
        case cron(CronExpression, TimeZone)
        /// Fires at `anchor + k × interval` for every k ≥ 0 (at millisecond resolution): elapsed
        /// time, untouched by time zones and daylight saving. The interval is at least a second.
        case every(Duration, anchor: Date)

        /// The first fire strictly after `date`.
        ///
        /// ```swift
        /// let trigger = Schedule.Trigger.every(.seconds(60), anchor: Date(timeIntervalSince1970: 0))
        /// trigger.nextFire(after: Date(timeIntervalSince1970: 90))   // 120 s after the epoch
        /// ```
        ///
        /// - Parameter date: The instant after which to look.
        /// - Returns: The next fire, or `nil` when there is none.
        public func nextFire(after date: Date) -> Date? {
            nextFire(afterMillis: date.unixMillis).map(Date.init(unixMillis:))
        }

        /// The first fire strictly after `millis`, in milliseconds since the Unix epoch.
        func nextFire(afterMillis millis: UnixMillis) -> UnixMillis? {
            switch self {
            case .cron(let expression, let timeZone):
                return expression.nextFire(after: Date(unixMillis: millis), in: timeZone)?.unixMillis
            case .every(let interval, let anchor):
                let anchorMillis = anchor.unixMillis
                let intervalMillis = interval.unixMillis
                guard intervalMillis > 0 else { return nil }
                guard millis >= anchorMillis else { return anchorMillis }
                let (elapsed, overflow) = millis.subtractingReportingOverflow(anchorMillis)
                guard !overflow else { return nil }
                let (offset, overflowed) = (elapsed / intervalMillis + 1).multipliedReportingOverflow(
                    by: intervalMillis
                )
                guard !overflowed else { return nil }
                let (next, overflowedAgain) = anchorMillis.addingReportingOverflow(offset)
                return overflowedAgain ? nil : next
            }
        }
    }
}
