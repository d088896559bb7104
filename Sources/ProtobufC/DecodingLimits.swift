/// Bounds that decoding applies to untrusted bytes.
///
/// protobuf-c itself has no size, depth or memory limit; these make hostile input fail cleanly
/// with a ``ProtobufCError`` instead of exhausting memory or the stack.
///
/// ```swift
/// let strict = DecodingLimits(maxMessageBytes: 64 * 1024, allocationBudget: 1 << 20)
/// let request = try EchoRequest(serializedBytes: bytes, limits: strict)
/// ```
public struct DecodingLimits: Hashable, Sendable {
    /// The largest encoded message accepted, in bytes.
    public var maxMessageBytes: Int
    /// The most memory protobuf-c may allocate while unpacking one message, in bytes.
    ///
    /// A small input can ask for many allocations (a repeated field of empty sub-messages costs
    /// two bytes on the wire and dozens in memory); once the budget is spent, unpacking fails
    /// with ``ProtobufCError/Code/allocationBudgetExceeded``.
    public var allocationBudget: Int
    /// The deepest nesting of messages accepted, counting the outermost message as level 1.
    ///
    /// Checked, before protobuf-c sees the bytes, for every message type from which a message
    /// field is reachable. protobuf-c and the Swift conversion both recurse once per level, so a
    /// value far above the default trades safety for stack: protobuf-c alone has crashed at about
    /// 10,000 levels on an 8 MiB stack, and threads often have less.
    public var maxNestingDepth: Int

    /// Creates limits.
    ///
    /// - Parameters:
    ///   - maxMessageBytes: The largest encoded message accepted, in bytes.
    ///   - allocationBudget: The most memory one decode may allocate, in bytes.
    ///   - maxNestingDepth: The deepest nesting of messages accepted.
    public init(
        maxMessageBytes: Int = Self.defaults.maxMessageBytes,
        allocationBudget: Int = Self.defaults.allocationBudget,
        maxNestingDepth: Int = Self.defaults.maxNestingDepth
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.allocationBudget = allocationBudget
        self.maxNestingDepth = maxNestingDepth
    }

    /// 4 MiB messages, a 64 MiB allocation budget and 100 levels of nesting.
    public static let defaults = DecodingLimits(
        maxMessageBytes: 4 << 20,
        allocationBudget: 64 << 20,
        maxNestingDepth: 100
    )
}
