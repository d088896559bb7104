/// Counters of what a client sent, and of what it saw but could not deliver to a caller.
///
/// ```swift
/// let stats = client.statistics.snapshot()
/// print(stats.lateResponses, stats.malformedResponses)
/// print("calls per message:", Double(stats.requestsSent) / Double(max(stats.requestMessagesSent, 1)))
/// ```
public final class ClientStatistics: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        /// Responses for calls that had already finished (deadline passed, cancelled) or that
        /// this client never made: dropped, never delivered to another caller.
        public var lateResponses: Int
        /// Messages from a server that were not valid ZRPC responses.
        public var malformedResponses: Int
        /// Requests handed to the socket (calls, retries included; not those cancelled or
        /// expired before they left).
        public var requestsSent: Int
        /// The messages that carried them. Calls a client starts in one turn of its I/O thread
        /// share a message (up to 32), so `requestsSent / requestMessagesSent` is how well calls
        /// are batched: 1 when they go one by one.
        public var requestMessagesSent: Int
        /// Calls that failed early because the connection to their server was lost while they
        /// waited for its answer (UNAVAILABLE, ``RPCError/outcomeUnknown``).
        public var callsLostWithServer: Int
    }

    enum Event {
        case lateResponse
        case malformedResponse
        /// A message carrying this many requests went to the socket.
        case sentMessage(requests: Int)
        /// A server's connection was lost with this many calls in flight to it.
        case lostInFlight(Int)
    }

    private let counters = StatisticsCounters(
        Snapshot(
            lateResponses: 0,
            malformedResponses: 0,
            requestsSent: 0,
            requestMessagesSent: 0,
            callsLostWithServer: 0
        )
    )

    init() {}

    func record(_ event: Event) {
        switch event {
        case .lateResponse: counters.add((\.lateResponses, 1))
        case .malformedResponse: counters.add((\.malformedResponses, 1))
        case .sentMessage(let requests): counters.add((\.requestsSent, requests), (\.requestMessagesSent, 1))
        case .lostInFlight(let calls): counters.add((\.callsLostWithServer, calls))
        }
    }

    /// The counters now.
    public func snapshot() -> Snapshot {
        counters.snapshot
    }
}
