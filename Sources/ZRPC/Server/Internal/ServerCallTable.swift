/// The calls a server has accepted and not answered yet: which calls it admits, and what becomes of
/// a call when it finishes, is cancelled or times out.
///
/// A value with no I/O: the driver feeds it events and performs what it returns, so every rule
/// (limits per server, per client and per service, duplicate call ids) is tested without sockets. An admitted call
/// holds a slot (a ``Reservation``) from admission on, so the calls of one message count toward
/// the limits before any of them has started. A call that runs where it can be cancelled or time
/// out is then tracked (``track(_:peer:callID:handle:)``); one that runs inline on the I/O thread
/// and finishes at once only gives its slot back (``release(_:)``) and is never hashed into the
/// table's dictionaries, which kept that fast path fast.
///
/// `Peer` identifies a client (the driver uses its routing id); `Handle` is what cancels a running
/// call (a `Task`).
struct ServerCallTable<Peer: Hashable, Handle> {
    /// The limits admission enforces.
    struct Limits {
        var maxConcurrentCalls: Int
        var maxConcurrentCallsPerClient: Int
        var maxConcurrentCallsPerService: [String: Int]
        var maxRequestBytes: Int
    }

    /// A call as it arrives.
    struct Arrival {
        let peer: Peer
        let callID: UInt64
        let method: MethodDescriptor
        let payloadBytes: Int
    }

    /// An accepted call.
    struct Entry {
        let serial: UInt64
        let peer: Peer
        let callID: UInt64
        /// The service, when it has a limit of its own (its calls are counted).
        let limitedService: String?
        /// What cancels the call once it runs.
        var handle: Handle?
    }

    /// Why a call was refused: the error its client gets, and the counter it goes to.
    struct Refusal: Equatable {
        let error: RPCError
        let event: ServerStatistics.Event
    }

    /// An admitted call's slot: it counts toward the limits until it is tracked and removed, or
    /// released.
    struct Reservation: Equatable, Sendable {
        /// The call's number (a plain key for timers and commands).
        let serial: UInt64
        /// The service, when it has a limit of its own (its calls are counted).
        let limitedService: String?
    }

    /// The outcome of ``admit(_:hostsMethod:hostsService:refusingNewCalls:)``.
    enum Admission: Equatable {
        case accepted(Reservation)
        case refused(Refusal)
        /// The client already has a call in flight with this id: the request is dropped unanswered,
        /// so the only answer under that id stays the original call's.
        case duplicate
    }

    private struct CallKey: Hashable {
        let peer: Peer
        let callID: UInt64
    }

    let limits: Limits
    private var entries: [UInt64: Entry] = [:]
    private var serials: [CallKey: UInt64] = [:]
    private var perService: [String: Int] = [:]
    /// Tracked calls per client (clients with none are not kept).
    private var perClient: [Peer: Int] = [:]
    private var nextSerial: UInt64 = 0
    /// Admitted calls not tracked (yet): running inline, or about to be tracked.
    private var reserved = 0

    init(limits: Limits) {
        self.limits = limits
    }

    /// The calls admitted and not removed or released.
    var count: Int { entries.count + reserved }
    var isEmpty: Bool { count == 0 }

    /// Whether the call with this serial number is still in the table.
    func contains(serial: UInt64) -> Bool { entries[serial] != nil }

    /// Admits a call, or says why not: the client already has a call in flight with this id (a
    /// ``Admission/duplicate``, never answered), the server is draining, the method is unknown, the
    /// request is too large, the client, the server or the service is at its limit. Checked in that
    /// order.
    mutating func admit(_ call: Arrival, hostsMethod: Bool, hostsService: Bool, refusingNewCalls: Bool) -> Admission {
        // With no call in flight there is nothing to collide with: skip hashing the key.
        if !serials.isEmpty, serials[CallKey(peer: call.peer, callID: call.callID)] != nil {
            return .duplicate
        }
        if let refusal = refusal(
            for: call,
            hostsMethod: hostsMethod,
            hostsService: hostsService,
            refusingNewCalls: refusingNewCalls
        ) {
            return .refused(refusal)
        }
        nextSerial += 1
        let limited =
            limits.maxConcurrentCallsPerService.isEmpty
                || limits.maxConcurrentCallsPerService[call.method.service] == nil
            ? nil : call.method.service
        reserved += 1
        if let limited { perService[limited, default: 0] += 1 }
        return .accepted(Reservation(serial: nextSerial, limitedService: limited))
    }

    /// A reserved call now runs where it can be cancelled or time out: CANCEL finds it by client
    /// and call id, and its response, deadline or cancel removes it.
    mutating func track(_ reservation: Reservation, peer: Peer, callID: UInt64, handle: Handle?) {
        reserved -= 1
        entries[reservation.serial] = Entry(
            serial: reservation.serial,
            peer: peer,
            callID: callID,
            limitedService: reservation.limitedService,
            handle: handle
        )
        // The driver drops a call id repeated within one message; should one get here, CANCEL names the first.
        let key = CallKey(peer: peer, callID: callID)
        if serials[key] == nil { serials[key] = reservation.serial }
        perClient[peer, default: 0] += 1
    }

    /// A reserved call that was answered without being tracked (it ran inline and finished).
    mutating func release(_ reservation: Reservation) {
        reserved -= 1
        if let service = reservation.limitedService { perService[service, default: 1] -= 1 }
    }

    private func refusal(for call: Arrival, hostsMethod: Bool, hostsService: Bool, refusingNewCalls: Bool) -> Refusal? {
        if refusingNewCalls {
            return Refusal(
                error: RPCError(code: .unavailable, message: "the server is shutting down", metadata: Self.notSent),
                event: .rejected
            )
        }
        guard hostsMethod else {
            let message =
                hostsService
                ? "unknown method \(call.method.method) in service \(call.method.service)"
                : "unknown service \(call.method.service)"
            return Refusal(error: RPCError(code: .unimplemented, message: message), event: .unimplemented)
        }
        guard call.payloadBytes <= limits.maxRequestBytes else {
            let message =
                "the request is \(call.payloadBytes) bytes; this server accepts at most \(limits.maxRequestBytes)"
            return Refusal(error: RPCError(code: .resourceExhausted, message: message), event: .rejected)
        }
        // Reserved calls are not counted per client (an inline call must stay cheap): they all belong
        // to the message being read, so they are charged to its client, which can only overcount.
        let clientCalls = (perClient.isEmpty ? 0 : perClient[call.peer] ?? 0) + reserved
        guard clientCalls < limits.maxConcurrentCallsPerClient else {
            let message = "this client is at its limit of \(limits.maxConcurrentCallsPerClient) concurrent calls"
            return Refusal(
                error: RPCError(code: .resourceExhausted, message: message, metadata: Self.notSent),
                event: .overClientLimit
            )
        }
        guard count < limits.maxConcurrentCalls else {
            let message = "the server is at its limit of \(limits.maxConcurrentCalls) concurrent calls"
            return Refusal(
                error: RPCError(code: .resourceExhausted, message: message, metadata: Self.notSent),
                event: .rejected
            )
        }
        let service = call.method.service
        if let limit = limits.maxConcurrentCallsPerService[service], perService[service, default: 0] >= limit {
            let message = "\(service) is at its limit of \(limit) concurrent calls"
            return Refusal(
                error: RPCError(code: .resourceExhausted, message: message, metadata: Self.notSent),
                event: .rejected
            )
        }
        return nil
    }

    /// Metadata of refusals no handler saw: the client may retry them anywhere.
    private static var notSent: Metadata { [RPCError.notSentMetadataKey: "true"] }

    /// Removes a call that finished (its response goes out), timed out or was dropped.
    ///
    /// - Returns: The call, or nil when it was removed before (it timed out or was cancelled).
    mutating func remove(serial: UInt64) -> Entry? {
        guard let entry = entries.removeValue(forKey: serial) else { return nil }
        let key = CallKey(peer: entry.peer, callID: entry.callID)
        if serials[key] == serial { serials.removeValue(forKey: key) }
        if let calls = perClient[entry.peer], calls > 1 {
            perClient[entry.peer] = calls - 1
        } else {
            perClient.removeValue(forKey: entry.peer)
        }
        if let service = entry.limitedService { perService[service, default: 1] -= 1 }
        return entry
    }

    /// The serial number of a client's tracked call, nil when it has none with that id.
    func serial(peer: Peer, callID: UInt64) -> UInt64? {
        serials.isEmpty ? nil : serials[CallKey(peer: peer, callID: callID)]
    }

    /// Removes the call a client cancelled.
    ///
    /// - Returns: The call, to cancel its handle; nil when there is no such call.
    mutating func cancel(peer: Peer, callID: UInt64) -> Entry? {
        guard let serial = serials[CallKey(peer: peer, callID: callID)] else { return nil }
        return remove(serial: serial)
    }

    /// Removes every call (the server stops, or its grace period ran out).
    mutating func removeAll() -> [Entry] {
        defer {
            entries.removeAll()
            serials.removeAll()
            perService.removeAll()
            perClient.removeAll()
            reserved = 0
        }
        return Array(entries.values)
    }
}
