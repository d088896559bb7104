/// Why a ``Schedule`` cannot be made: an empty name, an interval under a second, a negative grace
/// period, or a catch-up limit under one.
///
/// ```swift
/// do {
///     _ = try Schedule(name: "", trigger: .every(.seconds(60), anchor: .now), queue: "q", payload: [])
/// } catch {
///     print(error.reason)     // "the name is empty"
/// }
/// ```
public struct ScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The schedule's name as given.
    public let name: String
    /// What is wrong.
    public let reason: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - name: The schedule's name as given.
    ///   - reason: What is wrong.
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    /// `invalid schedule "name": reason`.
    public var description: String { "invalid schedule \"\(name)\": \(reason)" }
}
