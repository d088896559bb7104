internal import ZeroMQ

/// A call the server accepted (its service and method exist, the limits allow it), with what it
/// needs to run and to be tracked until it is answered.
struct AcceptedCall: Sendable {
    /// The driver's number for the call (for timers and the `finished` command).
    let serial: UInt64
    /// The client's call id, echoed in the response.
    let callID: UInt64
    /// The client's routing id, where the response goes.
    let routingID: Frame
    /// What the handler chain receives.
    let request: ServerRequest
    /// When the server gives up on the call.
    let deadline: ContinuousClock.Instant
    /// The service, when it has a concurrency limit of its own (its calls are counted).
    let limitedService: String?
}
