/// Parses one field of a cron expression: lists of `*`, values, ranges and steps, with names
/// where the field has them.
struct CronFieldParser: Sendable {
    /// What a field allows, and whether its text starts with `*` (Vixie cron's test for an
    /// unrestricted day field).
    struct Result {
        var values = CronValueSet()
        var startsWithWildcard: Bool
    }

    /// Why a field's text is invalid; ``CronParser`` adds the field and the expression.
    struct Failure: Error {
        let reason: String
    }

    let field: CronExpression.Field
    let bounds: ClosedRange<Int>
    /// Names for values, upper case; the first stands for `bounds.lowerBound`.
    let names: [String]
    /// Values the field folds onto others (7 → 0 for Sunday).
    let folds: [Int: Int]

    static let all: [CronFieldParser] = [
        CronFieldParser(field: .minute, bounds: 0...59, names: [], folds: [:]),
        CronFieldParser(field: .hour, bounds: 0...23, names: [], folds: [:]),
        CronFieldParser(field: .dayOfMonth, bounds: 1...31, names: [], folds: [:]),
        CronFieldParser(
            field: .month,
            bounds: 1...12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
            folds: [:]
        ),
        CronFieldParser(
            field: .dayOfWeek,
            bounds: 0...7,
            names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            folds: [7: 0]
        ),
    ]

    func parse(_ text: Substring) throws(Failure) -> Result {
        var result = Result(startsWithWildcard: text.hasPrefix("*"))
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw Failure(reason: "empty item in the list \"\(text)\"") }
            try add(item, to: &result.values)
        }
        return result
    }

    /// Adds one list item: `*`, `v`, `a-b`, each optionally followed by `/step`.
    private func add(_ item: Substring, to values: inout CronValueSet) throws(Failure) {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw Failure(reason: "\"\(item)\" has more than one \"/\"") }
        let step = parts.count == 2 ? try parseStep(parts[1]) : nil
        let range = parts[0]
        let low: Int
        let high: Int
        if range == "*" {
            (low, high) = (bounds.lowerBound, bounds.upperBound)
        } else if range.contains("-") {
            let ends = range.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2 else { throw Failure(reason: "\"\(range)\" is not a range a-b") }
            (low, high) = (try parseValue(ends[0]), try parseValue(ends[1]))
            guard low <= high else { throw Failure(reason: "the range \(range) goes backwards") }
        } else {
            low = try parseValue(range)
            high = step == nil ? low : bounds.upperBound
        }
        for value in stride(from: low, through: high, by: step ?? 1) {
            values.insert(folds[value] ?? value)
        }
    }

    private func parseStep(_ text: Substring) throws(Failure) -> Int {
        let size = bounds.count
        guard let step = Self.number(text) else {
            throw Failure(reason: "the step \"\(text)\" is not a number")
        }
        guard (1...size).contains(step) else {
            throw Failure(reason: "step \(step) is not between 1 and \(size)")
        }
        return step
    }

    private func parseValue(_ text: Substring) throws(Failure) -> Int {
        if text.isEmpty { throw Failure(reason: "a value is missing") }
        if let value = Self.number(text) {
            guard bounds.contains(value) else {
                throw Failure(reason: "\(value) is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
            }
            return value
        }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            throw Failure(reason: "\(text) is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
        }
        guard let first = names.first, let last = names.last else {
            throw Failure(reason: "\"\(text)\" is not a number")
        }
        guard let index = names.firstIndex(of: text.uppercased()) else {
            throw Failure(reason: "\"\(text)\" is neither a number nor a name \(first)-\(last)")
        }
        return bounds.lowerBound + index
    }

    /// A decimal number of at most four ASCII digits, or `nil`.
    private static func number(_ text: Substring) -> Int? {
        guard (1...4).contains(text.utf8.count) else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
