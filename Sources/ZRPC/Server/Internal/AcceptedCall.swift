/// A call the server admitted (its method exists, the limits allow it), with what it needs to run
/// and to be answered.
struct AcceptedCall: Sendable {
    /// The call's slot in the call table (its serial number keys timers and the `finished` command).
    let reservation: ServerCallTable<ClientAddress, Task<Void, Never>>.Reservation
    var serial: UInt64 { reservation.serial }
    /// The client's call id, echoed in the response.
    let callID: UInt64
    /// The method's index in the server's registry (what the I/O thread's watch records).
    let methodIndex: Int
    /// Where the response goes.
    let client: ClientAddress
    /// What the handler chain receives.
    let request: ServerRequest
    /// When the server gives up on the call.
    let deadline: ContinuousClock.Instant
}
