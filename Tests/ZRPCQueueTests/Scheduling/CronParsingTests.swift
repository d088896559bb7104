import Foundation
import Testing

@testable import ZRPCQueue

/// Parsing cron text: every supported form, the errors (which field, and why), and fuzzing.
@Suite("Cron expression parsing")
struct CronParsingTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String
        let minutes: [Int]
        let hours: [Int]
        let days: [Int]
        let months: [Int]
        let weekdays: [Int]
        var testDescription: String { text }
    }

    static let all60 = Array(0...59)
    static let all24 = Array(0...23)
    static let all31 = Array(1...31)
    static let all12 = Array(1...12)
    static let all7 = Array(0...6)

    static let valid: [Valid] = [
        Valid(text: "* * * * *", minutes: all60, hours: all24, days: all31, months: all12, weekdays: all7),
        Valid(
            text: "*/15 * * * *",
            minutes: [0, 15, 30, 45],
            hours: all24,
            days: all31,
            months: all12,
            weekdays: all7
        ),
        Valid(
            text: "1,2,5-7 0 * * *",
            minutes: [1, 2, 5, 6, 7],
            hours: [0],
            days: all31,
            months: all12,
            weekdays: all7
        ),
        Valid(
            text: "0 9-17/2 * * *",
            minutes: [0],
            hours: [9, 11, 13, 15, 17],
            days: all31,
            months: all12,
            weekdays: all7
        ),
        Valid(text: "5/20 * * * *", minutes: [5, 25, 45], hours: all24, days: all31, months: all12, weekdays: all7),
        Valid(text: "0 0 1,15 * *", minutes: [0], hours: [0], days: [1, 15], months: all12, weekdays: all7),
        Valid(
            text: "0 0 * JAN,jul-Sep *",
            minutes: [0],
            hours: [0],
            days: all31,
            months: [1, 7, 8, 9],
            weekdays: all7
        ),
        Valid(text: "0 0 * */3 *", minutes: [0], hours: [0], days: all31, months: [1, 4, 7, 10], weekdays: all7),
        Valid(text: "0 0 * * 7", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0]),
        Valid(text: "0 0 * * 0", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0]),
        Valid(text: "0 0 * * 5-7", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0, 5, 6]),
        Valid(
            text: "0 0 * * MON-FRI",
            minutes: [0],
            hours: [0],
            days: all31,
            months: all12,
            weekdays: [1, 2, 3, 4, 5]
        ),
        Valid(text: "0 0 * * sun,Sat", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0, 6]),
        Valid(text: "0 0 * * */2", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0, 2, 4, 6]),
        Valid(text: "  59\t23 31 12 *  ", minutes: [59], hours: [23], days: [31], months: [12], weekdays: all7),
        Valid(text: "@hourly", minutes: [0], hours: all24, days: all31, months: all12, weekdays: all7),
        Valid(text: "@daily", minutes: [0], hours: [0], days: all31, months: all12, weekdays: all7),
        Valid(text: "@midnight", minutes: [0], hours: [0], days: all31, months: all12, weekdays: all7),
        Valid(text: "@weekly", minutes: [0], hours: [0], days: all31, months: all12, weekdays: [0]),
        Valid(text: "@monthly", minutes: [0], hours: [0], days: [1], months: all12, weekdays: all7),
        Valid(text: "@yearly", minutes: [0], hours: [0], days: [1], months: [1], weekdays: all7),
        Valid(text: "@ANNUALLY", minutes: [0], hours: [0], days: [1], months: [1], weekdays: all7),
    ]

    @Test("valid expressions allow exactly the values written", arguments: valid)
    func parsesValid(_ expected: Valid) throws {
        let expression = try CronExpression(expected.text)
        #expect(expression.minutes.values == expected.minutes)
        #expect(expression.hours.values == expected.hours)
        #expect(expression.daysOfMonth.values == expected.days)
        #expect(expression.months.values == expected.months)
        #expect(expression.daysOfWeek.values == expected.weekdays)
        #expect(expression.source == expected.text)
        #expect(expression.description == expected.text)
    }

    @Test("day fields combine by Vixie cron's rule: a field starting with * makes it AND, else OR")
    func dayFieldWildcards() throws {
        let both = try CronExpression("0 0 13 * 5")
        #expect(!both.dayOfMonthIsWildcard && !both.dayOfWeekIsWildcard)
        let steppedDays = try CronExpression("0 0 */10 * 1")
        #expect(steppedDays.dayOfMonthIsWildcard && !steppedDays.dayOfWeekIsWildcard)
        #expect(try CronExpression("0 */2 * * *").hourIsWildcard)
        #expect(try !CronExpression("0 0-23 * * *").hourIsWildcard)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let text: String
        let field: CronExpression.Field?
        let reason: String
        var testDescription: String { text }
    }

    static let invalid: [Invalid] = [
        Invalid(text: "", field: nil, reason: "the expression is empty"),
        Invalid(text: "   ", field: nil, reason: "the expression is empty"),
        Invalid(
            text: "* * * *",
            field: nil,
            reason: "expected 5 fields (minute hour day-of-month month day-of-week), found 4"
        ),
        Invalid(
            text: "* * * * * *",
            field: nil,
            reason: "expected 5 fields (minute hour day-of-month month day-of-week), found 6"
        ),
        Invalid(
            text: "@reboot",
            field: nil,
            reason:
                "unknown macro \"@reboot\" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"
        ),
        Invalid(text: "60 * * * *", field: .minute, reason: "60 is out of range 0-59"),
        Invalid(text: "* 24 * * *", field: .hour, reason: "24 is out of range 0-23"),
        Invalid(text: "* * 0 * *", field: .dayOfMonth, reason: "0 is out of range 1-31"),
        Invalid(text: "* * 32 * *", field: .dayOfMonth, reason: "32 is out of range 1-31"),
        Invalid(text: "* * * 13 *", field: .month, reason: "13 is out of range 1-12"),
        Invalid(text: "* * * * 8", field: .dayOfWeek, reason: "8 is out of range 0-7"),
        Invalid(text: "99999 * * * *", field: .minute, reason: "99999 is out of range 0-59"),
        Invalid(text: "*/0 * * * *", field: .minute, reason: "step 0 is not between 1 and 60"),
        Invalid(text: "* */25 * * *", field: .hour, reason: "step 25 is not between 1 and 24"),
        Invalid(text: "*/x * * * *", field: .minute, reason: "the step \"x\" is not a number"),
        Invalid(text: "*/ * * * *", field: .minute, reason: "the step \"\" is not a number"),
        Invalid(text: "1/2/3 * * * *", field: .minute, reason: "\"1/2/3\" has more than one \"/\""),
        Invalid(text: "5-1 * * * *", field: .minute, reason: "the range 5-1 goes backwards"),
        Invalid(text: "* * * * SAT-SUN", field: .dayOfWeek, reason: "the range SAT-SUN goes backwards"),
        Invalid(text: "1-2-3 * * * *", field: .minute, reason: "\"1-2-3\" is not a range a-b"),
        Invalid(text: "-5 * * * *", field: .minute, reason: "a value is missing"),
        Invalid(text: "1,,2 * * * *", field: .minute, reason: "empty item in the list \"1,,2\""),
        Invalid(text: "1, * * * *", field: .minute, reason: "empty item in the list \"1,\""),
        Invalid(text: "MON * * * *", field: .minute, reason: "\"MON\" is not a number"),
        Invalid(text: "* * * FOO *", field: .month, reason: "\"FOO\" is neither a number nor a name JAN-DEC"),
        Invalid(text: "* * * * MONDAY", field: .dayOfWeek, reason: "\"MONDAY\" is neither a number nor a name SUN-SAT"),
        Invalid(text: "* * * * 1.5", field: .dayOfWeek, reason: "\"1.5\" is neither a number nor a name SUN-SAT"),
        Invalid(
            text: "0 0 30 2 *",
            field: .dayOfMonth,
            reason: "no day given exists in the months given (days [30], months [2])"
        ),
        Invalid(
            text: "0 0 31 4,6,9,11 *",
            field: .dayOfMonth,
            reason: "no day given exists in the months given (days [31], months [4, 6, 9, 11])"
        ),
    ]

    @Test("invalid expressions throw, naming the field and why", arguments: invalid)
    func rejectsInvalid(_ expected: Invalid) {
        #expect {
            _ = try CronExpression(expected.text)
        } throws: { error in
            guard let error = error as? CronExpressionError else { return false }
            #expect(error.field == expected.field)
            #expect(error.reason == expected.reason)
            #expect(error.expression == expected.text)
            return true
        }
    }

    @Test("the error's description quotes the expression, then the field and the reason")
    func errorDescription() {
        do {
            _ = try CronExpression("*/0 * * * *")
            Issue.record("parsed")
        } catch {
            #expect(
                error.description == "invalid cron expression \"*/0 * * * *\": minute: step 0 is not between 1 and 60"
            )
        }
    }

    @Test("day-of-month 30 in February is valid when the day-of-week field can match instead (Mondays in February)")
    func impossibleDayRescuedByWeekday() throws {
        let expression = try CronExpression("0 0 30 2 1")
        #expect(
            expression.nextFire(after: instant("2024-01-01T00:00:00Z"), in: .gmt) == instant("2024-02-05T00:00:00Z")
        )
    }

    @Test("random text never crashes the parser: it parses or throws a CronExpressionError")
    func fuzz() {
        var random = SeededRandom(seed: 17)
        let alphabet = Array("0123456789*/-,@ \tJANFEBMONSUNxyz7€\n:;😀")
        let fragments = [
            "*", "*/", "-", ",", "/", " ", "59", "60", "0", "7", "31", "MON", "jan", "@daily", "@",
            "99999999999999999999",
        ]
        var parsed = 0
        for round in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...24, using: &random) {
                if round.isMultiple(of: 2) {
                    text.append(alphabet.randomElement(using: &random) ?? " ")
                } else {
                    text += fragments.randomElement(using: &random) ?? ""
                }
            }
            do {
                let expression = try CronExpression(text)
                parsed += 1
                _ = expression.nextFire(after: instant("2024-01-01T00:00:00Z"), in: zone("America/New_York"))
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(parsed > 0)
    }
}
