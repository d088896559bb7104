public import ProtobufC
public import ZRPC

/// What a ``Subscription`` yields: an event, or the news that messages were lost before the next
/// one (so the application can resync, flush a cache, or just count).
///
/// ```swift
/// for try await element in subscription.events {
///     switch element {
///     case .event(let event): apply(event.message)
///     case .gap(let gap): logger.warning("missed \(gap.missed) from \(gap.publisher) on \(gap.topic)")
///     case .disconnected(let endpoint): logger.warning("lost \(endpoint)")
///     }
/// }
/// ```
public enum SubscriptionElement<Event: ProtobufMessage>: Sendable {
    /// A message, decoded.
    case event(ReceivedEvent<Event>)
    /// `missed` messages of one publisher on one topic never arrived; the event after this is
    /// the first one after them.
    case gap(SubscriptionGap)
    /// The connection to `endpoint` was lost (libzmq reconnects by itself): whatever was sent
    /// while it was down is lost, and a stream that sends nothing more shows no gap, so state
    /// kept from these events (a cache) may be stale from here on.
    case disconnected(endpoint: String)

    /// The event, or nil for a gap.
    ///
    /// ```swift
    /// if let price = element.event?.message { show(price) }
    /// ```
    public var event: ReceivedEvent<Event>? {
        if case .event(let event) = self { return event }
        return nil
    }
}

/// A received event with its header.
///
/// ```swift
/// case .event(let event):
///     print(event.topic, event.publisher, event.sequence, event.message)
/// ```
public struct ReceivedEvent<Event: ProtobufMessage>: Sendable {
    /// The event.
    public var message: Event
    /// The full topic it was published on (`topic.key`).
    public var topic: String
    /// Who published it.
    public var publisher: PublisherID
    /// Its number among that publisher's messages on this topic: 1, 2, 3, …
    public var sequence: UInt64
    /// When it was published, in microseconds since the Unix epoch (the publisher's clock).
    public var timestampUnixMicros: Int64
    /// The metadata the publisher attached (trace context).
    public var metadata: Metadata
    /// Whether it came from a forwarder's last-value cache (a snapshot the subscription asked
    /// for) rather than live; its sequence number is the one it was published with.
    public var fromSnapshot: Bool

    /// Creates a received event (for tests and generated wrappers).
    ///
    /// ```swift
    /// let event = ReceivedEvent(message: price, topic: "prices.EUR", publisher: .random(), sequence: 1,
    ///                           timestampUnixMicros: 0, metadata: [:])
    /// ```
    ///
    /// - Parameters:
    ///   - message: The event.
    ///   - topic: The full topic.
    ///   - publisher: The publisher.
    ///   - sequence: Its sequence number.
    ///   - timestampUnixMicros: When it was published.
    ///   - metadata: Its metadata.
    ///   - fromSnapshot: Whether it came from a snapshot (default false).
    public init(
        message: Event,
        topic: String,
        publisher: PublisherID,
        sequence: UInt64,
        timestampUnixMicros: Int64,
        metadata: Metadata,
        fromSnapshot: Bool = false
    ) {
        self.message = message
        self.topic = topic
        self.publisher = publisher
        self.sequence = sequence
        self.timestampUnixMicros = timestampUnixMicros
        self.metadata = metadata
        self.fromSnapshot = fromSnapshot
    }
}

/// Messages a subscriber never received, found from the sequence numbers: after `lastSequence`
/// came `nextSequence`, so `missed = nextSequence - lastSequence - 1` were lost (dropped at a
/// high-water mark, or while a connection was down).
///
/// ```swift
/// case .gap(let gap) where gap.topic.hasPrefix("invalidations."):
///     cache.removeAll()
/// ```
public struct SubscriptionGap: Hashable, Sendable {
    /// Whose messages were lost.
    public var publisher: PublisherID
    /// On which full topic.
    public var topic: String
    /// The last sequence number received before the gap.
    public var lastSequence: UInt64
    /// The first sequence number received after it.
    public var nextSequence: UInt64
    /// How many messages were lost.
    public var missed: UInt64 { nextSequence - lastSequence - 1 }

    /// Creates a gap.
    ///
    /// ```swift
    /// let gap = SubscriptionGap(publisher: id, topic: "prices.EUR", lastSequence: 4, nextSequence: 9)   // missed 4
    /// ```
    ///
    /// - Parameters:
    ///   - publisher: Whose messages were lost.
    ///   - topic: The full topic.
    ///   - lastSequence: The last number received before.
    ///   - nextSequence: The first number received after (greater than `lastSequence + 1`).
    public init(publisher: PublisherID, topic: String, lastSequence: UInt64, nextSequence: UInt64) {
        self.publisher = publisher
        self.topic = topic
        self.lastSequence = lastSequence
        self.nextSequence = max(nextSequence, lastSequence + 1)
    }
}
