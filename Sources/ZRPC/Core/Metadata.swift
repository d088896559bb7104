/// Ordered key-value pairs sent with a call (request headers) or its result (trailers).
///
/// Keys are case-insensitive (stored lower-case); a key may repeat. Keys starting with `zrpc-`
/// are reserved for the framework: ``reservedPrefix``.
///
/// ```swift
/// var metadata: Metadata = ["tenant": "acme"]
/// metadata.append("trace-tag", "blue")
/// metadata["tenant"]          // "acme"
/// ```
public struct Metadata: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Keys with this prefix belong to ZRPC; applications should not set them.
    public static let reservedPrefix = "zrpc-"

    /// The pairs in order.
    public private(set) var entries: [(key: String, value: String)]

    /// Empty metadata.
    public init() {
        entries = []
    }

    /// Metadata from literal pairs.
    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { (key: $0.0.lowercased(), value: $0.1) }
    }

    /// Appends a pair, keeping any earlier value of the same key.
    ///
    /// - Parameters:
    ///   - key: The key (stored lower-case).
    ///   - value: The value.
    public mutating func append(_ key: String, _ value: String) {
        entries.append((key: key.lowercased(), value: value))
    }

    /// The first value of `key`; setting replaces every value of `key` (nil removes them).
    public subscript(key: String) -> String? {
        get {
            let key = key.lowercased()
            return entries.first { $0.key == key }?.value
        }
        set {
            let key = key.lowercased()
            entries.removeAll { $0.key == key }
            if let newValue { entries.append((key: key, value: newValue)) }
        }
    }

    /// Every value of `key`, in order.
    ///
    /// - Parameter key: The key.
    public func values(for key: String) -> [String] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }

    /// Whether there are no pairs.
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: String)]> {
        entries.makeIterator()
    }

    public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }

    public var description: String {
        "[" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]"
    }
}
