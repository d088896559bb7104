import Synchronization

/// Counters of what a server refused or could not deliver.
///
/// ```swift
/// let stats = server.statistics.snapshot()
/// print(stats.malformedMessages, stats.rejectedCalls, stats.callsOverClientLimit)
/// ```
public final class ServerStatistics: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        /// Messages that were not valid ZRPC (garbage, bad headers, wrong frame counts).
        public var malformedMessages = 0
        /// Messages dropped for having more frames than a message may (docs/PROTOCOL.md, "Limits");
        /// also in ``malformedMessages``.
        public var oversizedMessages = 0
        /// Messages from a peer speaking another protocol version.
        public var unsupportedVersions = 0
        /// Calls to a service or method the server does not host.
        public var unimplementedCalls = 0
        /// Calls refused for a limit (too large, too many at once, including ``callsOverClientLimit``).
        public var rejectedCalls = 0
        /// Calls refused because their client had
        /// ``Server/Configuration/maxConcurrentCallsPerClient`` calls in flight (also in ``rejectedCalls``).
        public var callsOverClientLimit = 0
        /// Requests dropped unanswered because their client already had a call in flight with the
        /// same id (earlier, or in the same message).
        public var duplicateCallIDs = 0
        /// Calls whose deadline passed on the server.
        public var deadlinesExceeded = 0
        /// Calls the client cancelled.
        public var cancelledCalls = 0
        /// Responses that could not be delivered (the client is gone, or its queue is full).
        public var undeliverableResponses = 0
        /// Stream messages, credits or half-closes for a call that had already ended (dropped).
        public var lateStreamMessages = 0
        /// Calls refused with PERMISSION_DENIED by the server's ``ServerAuthorization``.
        public var deniedCalls = 0
        /// Times the server handed the memory it had freed back to the system, once after each
        /// burst of traffic (docs/PROTOCOL.md, "Limits").
        public var memoryReleases = 0
    }

    enum Event {
        case malformedMessage, unsupportedVersion, unimplemented, rejected, deadlineExceeded, cancelled, undeliverable
        case lateStreamMessage, permissionDenied, overClientLimit, duplicateCallID, oversizedMessage, memoryReleased
    }

    private let counters = StatisticsCounters(Snapshot())

    init() {}

    func record(_ event: Event, count: Int = 1) {
        if event == .overClientLimit {
            counters.add((\.rejectedCalls, count), (\.callsOverClientLimit, count))
            return
        }
        if event == .oversizedMessage {
            counters.add((\.malformedMessages, count), (\.oversizedMessages, count))
            return
        }
        let counter: WritableKeyPath<Snapshot, Int> =
            switch event {
            case .malformedMessage: \.malformedMessages
            case .unsupportedVersion: \.unsupportedVersions
            case .unimplemented: \.unimplementedCalls
            case .rejected: \.rejectedCalls
            case .deadlineExceeded: \.deadlinesExceeded
            case .cancelled: \.cancelledCalls
            case .undeliverable: \.undeliverableResponses
            case .lateStreamMessage: \.lateStreamMessages
            case .permissionDenied: \.deniedCalls
            case .overClientLimit: \.callsOverClientLimit
            case .duplicateCallID: \.duplicateCallIDs
            case .oversizedMessage: \.oversizedMessages
            case .memoryReleased: \.memoryReleases
            }
        counters.add((counter, count))
    }

    /// The counters now.
    public func snapshot() -> Snapshot {
        counters.snapshot
    }
}

/// The endpoints a server's driver bound, reported from its I/O thread.
final class BoundEndpoints: Sendable {
    private let endpoints = Mutex<[String]>([])

    func set(_ value: [String]) {
        endpoints.withLock { $0 = value }
    }

    var value: [String] { endpoints.withLock { $0 } }
}
