public import ZRPC

/// The rules for topic names and subscription prefixes (docs/PUBSUB.md, "Topics").
///
/// A topic is a dotted name plus an optional key, joined with a dot: `prices` and key `EUR.ABC`
/// give `prices.EUR.ABC`. Subscriptions are byte prefixes of that string (ZeroMQ's
/// `ZMQ_SUBSCRIBE`), so `prices.EUR.` matches every key under `EUR`, and `prices.EUR` matches
/// `prices.EURO.X` too: end a prefix with a dot to stop at a segment.
///
/// Topics and prefixes are printable ASCII (`!` to `~`, no spaces), at most 255 bytes, and do
/// not start with `~`: topics starting with `~` are ZRPC's own (welcomes), and must sort after
/// every application prefix (libzmq resends a subscriber's prefixes in byte order on reconnect,
/// and readiness relies on the welcome prefix arriving last).
///
/// ```swift
/// try Topic.validate(topic: "prices.EUR.ABC")     // fine
/// try Topic.validate(prefix: "")                   // fine: everything
/// try Topic.validate(topic: "~zrpc.x")             // throws INVALID_ARGUMENT
/// ```
public enum Topic {
    /// The longest topic or prefix, in bytes.
    public static let maxBytes = 255

    /// Checks a full topic (a publisher's topic, or topic plus key).
    ///
    /// ```swift
    /// try Topic.validate(topic: "orders.created")
    /// ```
    ///
    /// - Parameter topic: The topic.
    /// - Throws: ``ZRPC/RPCError`` `INVALID_ARGUMENT` when it is empty or breaks the rules.
    public static func validate(topic: String) throws(RPCError) {
        guard !topic.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "a topic must not be empty")
        }
        try validate(prefix: topic)
    }

    /// Checks a subscription prefix (empty: every topic).
    ///
    /// ```swift
    /// try Topic.validate(prefix: "prices.EUR.")
    /// ```
    ///
    /// - Parameter prefix: The prefix.
    /// - Throws: ``ZRPC/RPCError`` `INVALID_ARGUMENT` when it breaks the rules.
    public static func validate(prefix: String) throws(RPCError) {
        let bytes = prefix.utf8
        guard bytes.count <= maxBytes else {
            throw RPCError(code: .invalidArgument, message: "a topic is at most \(maxBytes) bytes, not \(bytes.count)")
        }
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw RPCError(
                code: .invalidArgument,
                message: "a topic is printable ASCII without spaces: \(prefix.debugDescription)"
            )
        }
        guard bytes.first != UInt8(ascii: "~") else {
            throw RPCError(code: .invalidArgument, message: "topics starting with ~ are reserved for ZRPC: \(prefix)")
        }
    }

    /// Joins a topic and a key with a dot (the key may hold dots itself); a topic that ends with a
    /// dot already has it (an ``EventTopic``'s publishers publish on `name.`).
    ///
    /// ```swift
    /// Topic.join("prices", key: "EUR.ABC")     // "prices.EUR.ABC"
    /// Topic.join("prices", key: nil)           // "prices"
    /// Topic.join("prices.", key: "EUR.ABC")    // "prices.EUR.ABC"
    /// Topic.join("prices.", key: nil)          // "prices."
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The topic name.
    ///   - key: The key, or nil.
    /// - Returns: The full topic.
    public static func join(_ topic: String, key: String?) -> String {
        guard let key else { return topic }
        return topic.hasSuffix(".") ? topic + key : topic + "." + key
    }
}
