import Foundation

/// A benchmark's command line, read flag by flag: what is left of it, and the usage text its
/// errors end with.
///
/// ```swift
/// var arguments = Arguments(CommandLine.arguments.dropFirst(), usage: "usage: my-benchmark [--rounds N]")
/// while let argument = arguments.next() {
///     switch argument {
///     case "--rounds": rounds = try arguments.number(after: argument, in: 1...100)
///     default: throw arguments.error("unknown argument \(argument)")
///     }
/// }
/// ```
package struct Arguments {
    private var remaining: ArraySlice<String>
    private let usage: String

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - arguments: Everything after the executable's path.
    ///   - usage: The usage text, printed after an error's message.
    package init(_ arguments: some Sequence<String>, usage: String) {
        remaining = ArraySlice(arguments)
        self.usage = usage
    }

    /// The next argument, or nil at the end.
    package mutating func next() -> String? {
        remaining.popFirst()
    }

    /// The whole number that follows `flag`.
    ///
    /// - Parameters:
    ///   - flag: The flag just read, for the message.
    ///   - range: The values allowed.
    /// - Throws: ``UsageError`` when it is missing, not a number or out of range.
    package mutating func number(after flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = remaining.popFirst(), let value = Int(text), range.contains(value) else {
            throw error("\(flag) needs a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The text that follows `flag`.
    ///
    /// - Parameter flag: The flag just read, for the message.
    /// - Throws: ``UsageError`` when it is missing.
    package mutating func text(after flag: String) throws(UsageError) -> String {
        guard let text = remaining.popFirst(), !text.isEmpty else { throw error("\(flag) needs a value") }
        return text
    }

    /// The comma-separated names that follow `flag`, each one of `Name`'s raw values.
    ///
    /// - Parameter flag: The flag just read, for the message.
    /// - Throws: ``UsageError`` when the list is missing or names something unknown.
    package mutating func names<Name: RawRepresentable & CaseIterable & Hashable>(
        after flag: String
    ) throws(UsageError) -> Set<Name> where Name.RawValue == String {
        let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
        guard let list = remaining.popFirst() else { throw error("\(flag) needs one or more of \(known)") }
        var names: Set<Name> = []
        for text in list.split(separator: ",") {
            guard let name = Name(rawValue: String(text)) else {
                throw error("unknown \(flag) value \(text) (\(known))")
            }
            names.insert(name)
        }
        return names
    }

    /// A usage error: `message`, then the usage text.
    package func error(_ message: String) -> UsageError {
        UsageError(message: message, usage: usage)
    }
}

/// A command line a benchmark does not understand.
///
/// ```swift
/// throw UsageError(message: "unknown argument --fast", usage: "usage: my-benchmark [--quick]")
/// ```
package struct UsageError: Error, CustomStringConvertible {
    /// What was wrong.
    package let message: String
    /// The benchmark's usage text.
    package let usage: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - message: What was wrong.
    ///   - usage: The benchmark's usage text.
    package init(message: String, usage: String) {
        self.message = message
        self.usage = usage
    }

    /// The message, then the usage text.
    package var description: String { "\(message)\n\(usage)" }

    /// What `parse` returns; when it throws, the error is printed on standard error and the
    /// process ends with status 2.
    ///
    /// ```swift
    /// let options = UsageError.exitOnFailure { () throws(UsageError) in try MyOptions.parse(arguments) }
    /// ```
    package static func exitOnFailure<Parsed>(_ parse: () throws(UsageError) -> Parsed) -> Parsed {
        do {
            return try parse()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
    }
}
