/// Why the plugin cannot plan a target's code generation; SwiftPM prints ``description``.
struct ZRPCGenPluginError: Error, CustomStringConvertible {
    /// What went wrong and what to do about it.
    let message: String

    /// Creates an error.
    ///
    /// - Parameter message: What went wrong and what to do about it.
    init(_ message: String) {
        self.message = message
    }

    /// The message, prefixed with the plugin's name.
    var description: String { "ZRPCGenPlugin: \(message)" }
}
