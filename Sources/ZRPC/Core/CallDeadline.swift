/// The deadline of the call a task is serving, so calls it makes inherit what is left of it.
///
/// The server sets it around every handler; a client call takes the earlier of its own timeout
/// and this.
///
/// ```swift
/// func say(_ request: EchoRequest, context: ServerContext) async throws -> EchoReply {
///     // This call ends by the handler's deadline even if its own timeout is longer.
///     let user = try await users.get(.init(id: request.userID), options: .init(timeout: .seconds(30)))
///     …
/// }
/// ```
public enum CallDeadline {
    /// The deadline of the handler the current task runs, if any.
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// The deadline for a new call: `timeout` from now, but no later than ``current``.
    ///
    /// - Parameter timeout: The call's own timeout.
    public static func effective(timeout: Duration) -> ContinuousClock.Instant {
        let own = ContinuousClock.now.advanced(by: timeout)
        guard let inherited = current else { return own }
        return min(own, inherited)
    }
}
