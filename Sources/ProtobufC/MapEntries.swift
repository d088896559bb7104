/// Map entries in key order, so that encoding a map is deterministic.
///
/// Generated code packs maps through these; protobuf itself leaves map order unspecified.
///
/// - Parameter map: The map field's dictionary.
@inlinable
public func protobufCSortedEntries<Key: Comparable, Value>(_ map: [Key: Value]) -> [(key: Key, value: Value)] {
    map.sorted { $0.key < $1.key }
}

/// Map entries with `Bool` keys in key order (`false` first).
///
/// - Parameter map: The map field's dictionary.
@inlinable
public func protobufCSortedEntries<Value>(_ map: [Bool: Value]) -> [(key: Bool, value: Value)] {
    map.sorted { !$0.key && $1.key }
}
