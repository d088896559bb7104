/// Turns cron text into a ``CronExpression``: macros, five fields, and a check that the day
/// fields can match at all.
enum CronParser {
    /// What a macro stands for.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    static func parse(_ text: String) throws(CronExpressionError) -> CronExpression {
        let trimmed = text.trimmingWhiteSpace
        guard !trimmed.isEmpty else {
            throw CronExpressionError(expression: text, field: nil, reason: "the expression is empty")
        }
        var fieldsText = String(trimmed)
        if trimmed.hasPrefix("@") {
            guard let expansion = macros[trimmed.lowercased()] else {
                throw CronExpressionError(
                    expression: text,
                    field: nil,
                    reason: "unknown macro \"\(trimmed)\" (expected @yearly, @annually, @monthly, @weekly, @daily, "
                        + "@midnight or @hourly)"
                )
            }
            fieldsText = expansion
        }
        let parts = fieldsText.split(whereSeparator: \.isWhitespace)
        guard parts.count == 5 else {
            throw CronExpressionError(
                expression: text,
                field: nil,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)"
            )
        }
        var parsed: [CronFieldParser.Result] = []
        for (parser, part) in zip(CronFieldParser.all, parts) {
            do {
                parsed.append(try parser.parse(part))
            } catch {
                throw CronExpressionError(expression: text, field: parser.field, reason: error.reason)
            }
        }
        let expression = CronExpression(
            source: text,
            minutes: parsed[0].values,
            hours: parsed[1].values,
            daysOfMonth: parsed[2].values,
            months: parsed[3].values,
            daysOfWeek: parsed[4].values,
            dayOfMonthIsWildcard: parsed[2].startsWithWildcard,
            dayOfWeekIsWildcard: parsed[4].startsWithWildcard,
            hourIsWildcard: parsed[1].startsWithWildcard
        )
        try checkDaysExist(expression, text: text)
        return expression
    }

    /// Rejects day-of-month and month fields that name no real date (`0 0 30 2 *`), when the
    /// day-of-week field cannot rescue them (it only can when both day fields are restricted).
    private static func checkDaysExist(_ expression: CronExpression, text: String) throws(CronExpressionError) {
        let daysMustMatchBoth = expression.dayOfMonthIsWildcard || expression.dayOfWeekIsWildcard
        guard daysMustMatchBoth else { return }
        let someDayExists = expression.months.values.contains { month in
            let longest = month == 2 ? 29 : CivilCalendar.daysInMonth(year: 2001, month: month)
            return expression.daysOfMonth.first(atOrAfter: 1).map { $0 <= longest } ?? false
        }
        guard someDayExists else {
            throw CronExpressionError(
                expression: text,
                field: .dayOfMonth,
                reason: "no day given exists in the months given (days \(expression.daysOfMonth.values), "
                    + "months \(expression.months.values))"
            )
        }
    }
}

extension String {
    fileprivate var trimmingWhiteSpace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? endIndex
        return start < end ? self[start..<end] : self[endIndex..<endIndex]
    }
}

extension Substring {
    fileprivate func lowercased() -> String { String(self).lowercased() }
}
