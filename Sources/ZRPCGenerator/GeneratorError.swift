/// A problem that stops code generation, worded for the person who ran zrpc-gen.
public struct GeneratorError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and, where it helps, what to do about it.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameter message: What went wrong.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
