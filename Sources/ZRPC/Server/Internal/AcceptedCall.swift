/// A call the server admitted (its method exists, the limits allow it), with what it needs to run
/// and to be answered.
struct AcceptedCall: Sendable {
    /// The call table's number for the call (for timers and the `finished` command).
    let serial: UInt64
    /// The client's call id, echoed in the response.
    let callID: UInt64
    /// Where the response goes.
    let client: ClientAddress
    /// What the handler chain receives.
    let request: ServerRequest
    /// When the server gives up on the call.
    let deadline: ContinuousClock.Instant
}
