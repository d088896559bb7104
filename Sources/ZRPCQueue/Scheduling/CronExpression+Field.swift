extension CronExpression {
    /// One of the five fields of a cron expression, named in parse errors.
    ///
    /// ```swift
    /// do {
    ///     _ = try CronExpression("0 24 * * *")
    /// } catch {
    ///     print(error.field == .hour)     // true: "hour: 24 is out of range 0-23"
    /// }
    /// ```
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        /// The field's name as messages spell it, such as `"day-of-month"`.
        public let name: String

        /// The first field, 0-59.
        public static let minute = Field(name: "minute")
        /// The second field, 0-23.
        public static let hour = Field(name: "hour")
        /// The third field, 1-31.
        public static let dayOfMonth = Field(name: "day-of-month")
        /// The fourth field, 1-12 or JAN-DEC.
        public static let month = Field(name: "month")
        /// The fifth field, 0-7 (0 and 7 are Sunday) or SUN-SAT.
        public static let dayOfWeek = Field(name: "day-of-week")

        /// The fields in the order an expression writes them.
        public static let all: [Field] = [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]

        /// The field's name.
        public var description: String { name }
    }
}
