public import ProtobufC
public import ZRPC

/// One event type's topic: a dotted name whose events go on `name.key`, and on `name.` when they
/// have no key. zrpc-gen declares one per method of an events service (docs/CODEGEN.md, "Events
/// services"); ``Publisher`` and ``Subscription`` take it instead of a topic string.
///
/// The dot after the name is always there, so the prefix for the whole topic, `name.`, never
/// matches another topic that only starts with the same letters: subscribers of `prices` do not
/// receive `prices_v2`, whose events would not decode as theirs.
///
/// ```swift
/// let prices = EventTopic<Price>("prices")
/// prices.topic(key: "EUR.ABC")        // "prices.EUR.ABC"
/// prices.topic(key: nil)              // "prices."
/// prices.prefixes(keys: ["EUR."])     // ["prices.EUR."]: keys under EUR
/// prices.prefixes(keys: [])           // ["prices."]: every key, and none
///
/// let publisher = try await Publisher(topic: prices, connect: "tcp://forwarder:7200")
/// let subscription = try await Subscription(connect: "tcp://forwarder:7201", topic: prices, keys: ["EUR."])
/// ```
public struct EventTopic<Event: ProtobufMessage>: Sendable, Hashable, CustomStringConvertible {
    /// The topic's name, without the dot that follows it: `catalog.price_changed`.
    public let name: String

    /// A topic named `name` for `Event`s; ``validate()`` (which publishers and subscriptions call)
    /// checks the name.
    ///
    /// ```swift
    /// static let priceChanged = EventTopic<Catalog_PriceChange>("catalog.price_changed")
    /// ```
    ///
    /// - Parameter name: A dotted name (see ``validate()``).
    public init(_ name: String) {
        self.name = name
    }

    /// The full topic of an event published with `key`: `name.key`, or `name.` without a key.
    ///
    /// ```swift
    /// EventTopic<Price>("prices").topic(key: "EUR.ABC")    // "prices.EUR.ABC"
    /// ```
    ///
    /// - Parameter key: The event's key (it may hold dots), or nil.
    /// - Returns: The topic the event goes on.
    public func topic(key: String?) -> String {
        name + "." + (key ?? "")
    }

    /// The subscription prefixes for events whose key starts with one of `keys`: `name.` and the
    /// key prefix; `[name.]`, every event of the topic, when `keys` is empty.
    ///
    /// A key prefix matches bytes, as every prefix does: `EUR` also matches the key `EURO.X`, so end
    /// it with a dot to stop at a segment.
    ///
    /// ```swift
    /// EventTopic<Price>("prices").prefixes(keys: ["EUR.", "USD.ABC"])   // ["prices.EUR.", "prices.USD.ABC"]
    /// ```
    ///
    /// - Parameter keys: Key prefixes; empty for the whole topic.
    /// - Returns: The prefixes to subscribe to.
    public func prefixes(keys: [String]) -> [String] {
        keys.isEmpty ? [topic(key: nil)] : keys.map { topic(key: $0) }
    }

    /// Checks the name: dotted segments that are not empty (no dot at either end, no two in a row),
    /// and, with the dot after it, a topic as ``Topic/validate(topic:)`` allows (printable ASCII, not
    /// starting with `~`, at most 255 bytes).
    ///
    /// ```swift
    /// try EventTopic<Price>("catalog.price_changed").validate()    // fine
    /// try EventTopic<Price>("catalog..price").validate()           // throws INVALID_ARGUMENT
    /// ```
    ///
    /// - Throws: ``ZRPC/RPCError`` `INVALID_ARGUMENT` naming what is wrong.
    public func validate() throws(RPCError) {
        guard !name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw RPCError(
                code: .invalidArgument,
                message: "an event topic is a dotted name without empty segments: \(name.debugDescription)"
            )
        }
        try Topic.validate(topic: topic(key: nil))
    }

    /// The name.
    public var description: String { name }
}
