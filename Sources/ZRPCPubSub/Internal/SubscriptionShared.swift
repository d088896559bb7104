internal import ZeroMQ
@_spi(ReadAhead) import ZRPC

/// What the I/O thread hands a subscription's readers: an event still to decode, or a gap.
enum SubscriptionItem: Sendable {
    case event(topic: String, header: PubSubWire.Header, payload: Frame)
    case gap(SubscriptionGap)
    case disconnected(endpoint: String)

    /// Whether it came from a forwarder's snapshot (never discarded: it cannot come again).
    var isSnapshot: Bool {
        if case .event(_, let header, _) = self { return header.kind == .snapshot }
        return false
    }

    /// Whose message it is (nil for a lost connection).
    var publisher: PublisherID? {
        switch self {
        case .event(_, let header, _): header.publisher
        case .gap(let gap): gap.publisher
        case .disconnected: nil
        }
    }
}

/// The welcomes a subscription has received: who has its subscriptions.
struct Welcomes: Sendable {
    var forwarders = Set<PublisherID>()
    var publishers = Set<PublisherID>()
    var isReady: Bool { !forwarders.isEmpty || !publishers.isEmpty }
}

/// What a ``Subscription``'s readers and its I/O thread share: ZRPC's read-ahead buffer of items
/// (the I/O thread stops reading when it is full; libzmq's queue then fills and the sender drops for
/// this subscriber, which shows here as a gap), with the subscription's counters.
typealias SubscriptionShared = ReadAheadBuffer<SubscriptionItem, SubscriptionStatistics>
