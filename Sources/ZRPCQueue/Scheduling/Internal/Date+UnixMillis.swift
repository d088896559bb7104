import Foundation

extension Date {
    /// The date `millis` milliseconds after the Unix epoch.
    init(unixMillis millis: UnixMillis) {
        self.init(timeIntervalSince1970: Double(millis) / 1_000)
    }

    /// The date in whole milliseconds since the Unix epoch, rounded to the nearest (a date made
    /// from milliseconds gives them back exactly); schedules work at millisecond resolution.
    var unixMillis: UnixMillis {
        let millis = (timeIntervalSince1970 * 1_000).rounded()
        guard !millis.isNaN else { return 0 }
        return UnixMillis(min(max(millis, -9.0e18), 9.0e18))
    }
}
