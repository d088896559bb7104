/// A key type a protobuf `map` field can have: an integer, `Bool` or `String`.
///
/// Keys are told apart by ``ProtobufEquatable/protobufEquals(_:)``, so two strings whose UTF-8
/// bytes differ are two keys even when Swift's `String` calls them equal.
public protocol ProtobufMapKey: ProtobufEquatable, Hashable, Sendable {
    /// The order entries are encoded in (protobuf leaves it open; a fixed one makes encoding
    /// deterministic): numbers ascending, `false` before `true`, strings by their UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - lhs: A key.
    ///   - rhs: Another key.
    static func protobufKeyPrecedes(_ lhs: Self, _ rhs: Self) -> Bool
}

extension ProtobufMapKey where Self: Comparable {
    /// Ascending order.
    @inlinable
    public static func protobufKeyPrecedes(_ lhs: Self, _ rhs: Self) -> Bool { lhs < rhs }
}

extension Int32: ProtobufMapKey {}
extension Int64: ProtobufMapKey {}
extension UInt32: ProtobufMapKey {}
extension UInt64: ProtobufMapKey {}

extension Bool: ProtobufMapKey {
    /// `false` first.
    @inlinable
    public static func protobufKeyPrecedes(_ lhs: Bool, _ rhs: Bool) -> Bool { !lhs && rhs }
}

extension String: ProtobufMapKey {
    /// UTF-8 bytes, lexicographically.
    @inlinable
    public static func protobufKeyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}

/// The Swift type of a protobuf `map<K, V>` field: a dictionary whose keys follow the bytes.
///
/// It reads like a `Dictionary` (literal, subscript, iteration over `(key:, value:)` pairs), but
/// two string keys are the same key only when their UTF-8 bytes are equal. A Swift `Dictionary`
/// would merge `"é"` and `"e\u{301}"` into one entry and silently drop a value that protobuf
/// keeps.
///
/// ```swift
/// var request = Echo_EchoRequest(labels: ["tenant": "acme"])
/// request.labels["\u{E9}"] = "one code point"
/// request.labels["e\u{301}"] = "two code points"
/// assert(request.labels.count == 3)
/// for (key, value) in request.labels.sortedEntries { print(key, value) }
/// ```
///
/// Equality compares values with ``ProtobufEquatable/protobufEquals(_:)`` and ignores order.
public struct ProtobufMap<Key: ProtobufMapKey, Value: ProtobufEquatable & Sendable>: Sendable {
    /// A key hashed and compared by ``ProtobufEquatable``.
    @usableFromInline
    struct StoredKey: Hashable, Sendable {
        @usableFromInline let key: Key

        @inlinable
        init(_ key: Key) { self.key = key }

        @inlinable
        static func == (lhs: StoredKey, rhs: StoredKey) -> Bool { lhs.key.protobufEquals(rhs.key) }

        @inlinable
        func hash(into hasher: inout Hasher) { key.protobufHash(into: &hasher) }
    }

    @usableFromInline var storage: [StoredKey: Value]

    /// An empty map.
    @inlinable
    public init() {
        storage = [:]
    }

    /// A map with the entries of a dictionary.
    ///
    /// - Parameter dictionary: The entries.
    @inlinable
    public init(_ dictionary: [Key: Value]) {
        storage = Dictionary(uniqueKeysWithValues: dictionary.map { (StoredKey($0.key), $0.value) })
    }

    /// An empty map with room for `minimumCapacity` entries.
    ///
    /// - Parameter minimumCapacity: How many entries to reserve room for.
    @inlinable
    public init(minimumCapacity: Int) {
        storage = Dictionary(minimumCapacity: minimumCapacity)
    }

    /// The value for `key`, or nil; setting nil removes the entry.
    ///
    /// - Parameter key: The key.
    @inlinable
    public subscript(key: Key) -> Value? {
        get { storage[StoredKey(key)] }
        set { storage[StoredKey(key)] = newValue }
    }

    /// The value for `key`, or `defaultValue` when there is none.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - defaultValue: What to read (and to start from, when modifying) if the key is absent.
    @inlinable
    public subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { storage[StoredKey(key), default: defaultValue()] }
        set { storage[StoredKey(key)] = newValue }
    }

    /// Removes the entry for `key`.
    ///
    /// - Parameter key: The key.
    /// - Returns: The value that was removed, or nil.
    @inlinable
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        storage.removeValue(forKey: StoredKey(key))
    }

    /// The keys, in no particular order.
    public var keys: [Key] { storage.keys.map(\.key) }

    /// The values, in no particular order.
    public var values: [Value] { Array(storage.values) }

    /// The entries in encoding order (see ``ProtobufMapKey/protobufKeyPrecedes(_:_:)``).
    @inlinable
    public var sortedEntries: [(key: Key, value: Value)] {
        storage.map { (key: $0.key.key, value: $0.value) }.sorted { Key.protobufKeyPrecedes($0.key, $1.key) }
    }
}

extension ProtobufMap: Collection {
    /// A position in the map.
    public struct Index: Comparable, Sendable {
        @usableFromInline let base: Dictionary<StoredKey, Value>.Index

        @inlinable
        init(_ base: Dictionary<StoredKey, Value>.Index) { self.base = base }

        public static func < (lhs: Index, rhs: Index) -> Bool { lhs.base < rhs.base }
    }

    /// The position of the first entry.
    @inlinable
    public var startIndex: Index { Index(storage.startIndex) }

    /// The position past the last entry.
    @inlinable
    public var endIndex: Index { Index(storage.endIndex) }

    /// The number of entries.
    @inlinable
    public var count: Int { storage.count }

    /// Whether the map has no entries.
    @inlinable
    public var isEmpty: Bool { storage.isEmpty }

    /// The position after `index`.
    @inlinable
    public func index(after index: Index) -> Index { Index(storage.index(after: index.base)) }

    /// The entry at `position`.
    @inlinable
    public subscript(position: Index) -> (key: Key, value: Value) {
        let entry = storage[position.base]
        return (key: entry.key.key, value: entry.value)
    }
}

extension ProtobufMap: ExpressibleByDictionaryLiteral {
    /// A map from a literal; a later entry with the same key (by bytes) wins.
    ///
    /// - Parameter elements: The entries.
    @inlinable
    public init(dictionaryLiteral elements: (Key, Value)...) {
        storage = [:]  // every message's default: no allocation, no generic lookup
        guard !elements.isEmpty else { return }
        storage.reserveCapacity(elements.count)
        for (key, value) in elements { storage[StoredKey(key)] = value }
    }
}

extension ProtobufMap: Hashable, ProtobufEquatable {
    /// Equal when both have the same keys (by bytes) with equal values, in any order.
    public static func == (lhs: ProtobufMap, rhs: ProtobufMap) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        for (key, value) in lhs.storage {
            guard let other = rhs.storage[key], value.protobufEquals(other) else { return false }
        }
        return true
    }

    /// Hashes the entries independently of their order.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in storage {
            var entryHasher = Hasher()
            key.hash(into: &entryHasher)
            value.protobufHash(into: &entryHasher)
            combined &+= entryHasher.finalize()
        }
        hasher.combine(storage.count)
        hasher.combine(combined)
    }
}

extension ProtobufMap: CustomStringConvertible {
    /// The entries in encoding order, like a dictionary literal.
    public var description: String {
        guard !isEmpty else { return "[:]" }
        return "["
            + sortedEntries.map { "\(String(reflecting: $0.key)): \(String(reflecting: $0.value))" }
            .joined(separator: ", ") + "]"
    }
}
