import Foundation
import Testing

@testable import ZRPCQueue

/// The instant an ISO 8601 text names, such as `2024-03-10T02:30:00-05:00` or `…07:30:00.250Z`.
func instant(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
    let formatter = ISO8601DateFormatter()
    if text.contains(".") {
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }
    guard let date = formatter.date(from: text) else {
        Issue.record("not an ISO 8601 date: \(text)", sourceLocation: sourceLocation)
        return .distantPast
    }
    return date
}

/// The instant in milliseconds since the epoch.
func millis(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> UnixMillis {
    instant(text, sourceLocation: sourceLocation).unixMillis
}

/// A named time zone.
func zone(_ identifier: String, sourceLocation: SourceLocation = #_sourceLocation) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else {
        Issue.record("no time zone \(identifier)", sourceLocation: sourceLocation)
        return .gmt
    }
    return zone
}

/// A cron expression the test knows to be valid (one that never matches, after recording an issue, if not).
func cron(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> CronExpression {
    do {
        return try CronExpression(text)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return CronExpression(
            source: text,
            minutes: .init(),
            hours: .init(),
            daysOfMonth: .init(),
            months: .init(),
            daysOfWeek: .init(),
            dayOfMonthIsWildcard: true,
            dayOfWeekIsWildcard: true,
            hourIsWildcard: false
        )
    }
}

/// The fires of `expression` in `timeZone` after `start`, `count` of them.
func fires(_ expression: CronExpression, in timeZone: TimeZone, after start: Date, count: Int) -> [Date] {
    var result: [Date] = []
    var cursor = start
    while result.count < count, let next = expression.nextFire(after: cursor, in: timeZone) {
        result.append(next)
        cursor = next
    }
    return result
}

/// A seeded generator (SplitMix64), so random tests repeat exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
