extension Schedule {
    /// What happens to fires that were due while no scheduler ran (the broker was down, or the
    /// clock jumped forward): fires later than the schedule's ``Schedule/gracePeriod`` count as
    /// missed; fires within it are on time and always enqueued.
    ///
    /// ```swift
    /// let report = try Schedule(
    ///     name: "daily-report",
    ///     trigger: .cron(try CronExpression("0 6 * * *"), .gmt),
    ///     queue: "reports",
    ///     payload: [],
    ///     missedFires: .catchUpAll(limit: 7)      // after a week down, each day's report still runs
    /// )
    /// ```
    public enum MissedFires: Hashable, Sendable {
        /// Missed fires are dropped; the schedule carries on with its next fire.
        case skip
        /// All missed fires together run once, as the latest of them.
        case catchUpOnce
        /// Each missed fire runs, the latest `limit` of them at most (the older ones are dropped).
        case catchUpAll(limit: Int)
    }
}
