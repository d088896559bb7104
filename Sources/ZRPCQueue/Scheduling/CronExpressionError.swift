/// Why a text is not a valid cron expression: the field at fault (`nil` when the expression as a
/// whole is wrong, such as its number of fields) and the reason.
///
/// ```swift
/// do {
///     _ = try CronExpression("*/0 * * * *")
/// } catch {
///     print(error)    // invalid cron expression "*/0 * * * *": minute: step 0 is not between 1 and 60
/// }
/// ```
public struct CronExpressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public let expression: String
    /// The field at fault, or `nil` when the fault is in the expression as a whole.
    public let field: CronExpression.Field?
    /// What is wrong, in words, without the field's name.
    public let reason: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - expression: The text that failed to parse.
    ///   - field: The field at fault, if one is.
    ///   - reason: What is wrong.
    public init(expression: String, field: CronExpression.Field?, reason: String) {
        self.expression = expression
        self.field = field
        self.reason = reason
    }

    /// `invalid cron expression "…": field: reason`.
    public var description: String {
        let location = field.map { "\($0.name): " } ?? ""
        return "invalid cron expression \"\(expression)\": \(location)\(reason)"
    }
}
