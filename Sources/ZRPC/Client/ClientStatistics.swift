import Synchronization

/// Counters of what a client saw but could not deliver to a caller.
///
/// ```swift
/// let stats = client.statistics.snapshot()
/// print(stats.lateResponses, stats.malformedResponses)
/// ```
public final class ClientStatistics: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        /// Responses for calls that had already finished (deadline passed, cancelled) or that
        /// this client never made: dropped, never delivered to another caller.
        public var lateResponses: Int
        /// Messages from a server that were not valid ZRPC responses.
        public var malformedResponses: Int
    }

    enum Event {
        case lateResponse
        case malformedResponse
    }

    private let counters = Mutex(Snapshot(lateResponses: 0, malformedResponses: 0))

    init() {}

    func record(_ event: Event) {
        counters.withLock { counters in
            switch event {
            case .lateResponse: counters.lateResponses += 1
            case .malformedResponse: counters.malformedResponses += 1
            }
        }
    }

    /// The counters now.
    public func snapshot() -> Snapshot {
        counters.withLock { $0 }
    }
}
