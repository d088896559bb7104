import Foundation

/// A measurement that did not go as planned.
///
/// ```swift
/// throw BenchmarkFailure(message: "the receiver said \(line)")
/// ```
package struct BenchmarkFailure: Error, CustomStringConvertible {
    /// What went wrong.
    package let message: String

    /// Creates a failure.
    ///
    /// - Parameter message: What went wrong.
    package init(message: String) {
        self.message = message
    }

    /// The message.
    package var description: String { message }
}

/// Prints a progress line on standard error, after the executable's name (`[queue-benchmark] …`).
///
/// ```swift
/// progress("pipeline 64 B: round 1 of 5")
/// ```
///
/// - Parameter line: The line.
package func progress(_ line: String) {
    FileHandle.standardError.write(Data("[\(ProcessInfo.processInfo.processName)] \(line)\n".utf8))
}
