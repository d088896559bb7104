/// Equality as protobuf defines it, which generated messages use for `==` and `hash(into:)`.
///
/// Two differences from Swift's own `==`:
/// - strings compare by their UTF-8 bytes, not by Unicode canonical equivalence, so `"é"` (one
///   code point) and `"e\u{301}"` (two) are different values, as they are on the wire;
/// - `Float` and `Double` compare by bit pattern, so a message holding NaN equals itself and
///   `-0.0` differs from `0.0` (both encode differently), as protobuf's own implementations do.
///
/// Every other field type compares with its `==`.
///
/// ```swift
/// let a = Echo_EchoRequest(text: "\u{E9}")
/// let b = Echo_EchoRequest(text: "e\u{301}")
/// assert(a != b)                                 // Swift's String would call them equal
/// assert(Echo_EchoRequest(text: "x") == Echo_EchoRequest(text: "x"))
/// ```
public protocol ProtobufEquatable {
    /// Whether `self` and `other` are the same protobuf value.
    ///
    /// - Parameter other: The value to compare with.
    func protobufEquals(_ other: Self) -> Bool

    /// Feeds what ``protobufEquals(_:)`` compares into `hasher`.
    ///
    /// - Parameter hasher: The hasher to feed.
    func protobufHash(into hasher: inout Hasher)
}

extension ProtobufEquatable where Self: Hashable {
    /// Plain `==`, for types whose equality already follows the wire.
    @inlinable
    public func protobufEquals(_ other: Self) -> Bool { self == other }

    /// Plain `hash(into:)`.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) { hash(into: &hasher) }
}

extension String: ProtobufEquatable {
    /// Compares UTF-8 bytes.
    @inlinable
    public func protobufEquals(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }

    /// Hashes UTF-8 bytes.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) {
        hasher.combine(utf8.count)
        for byte in utf8 { hasher.combine(byte) }
    }
}

extension Double: ProtobufEquatable {
    /// Compares bit patterns.
    @inlinable
    public func protobufEquals(_ other: Double) -> Bool { bitPattern == other.bitPattern }

    /// Hashes the bit pattern.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) { hasher.combine(bitPattern) }
}

extension Float: ProtobufEquatable {
    /// Compares bit patterns.
    @inlinable
    public func protobufEquals(_ other: Float) -> Bool { bitPattern == other.bitPattern }

    /// Hashes the bit pattern.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) { hasher.combine(bitPattern) }
}

extension Bool: ProtobufEquatable {}
extension Int32: ProtobufEquatable {}
extension Int64: ProtobufEquatable {}
extension UInt32: ProtobufEquatable {}
extension UInt64: ProtobufEquatable {}
extension UInt8: ProtobufEquatable {}

extension Array: ProtobufEquatable where Element: ProtobufEquatable {
    /// Compares element by element.
    @inlinable
    public func protobufEquals(_ other: [Element]) -> Bool {
        count == other.count && zip(self, other).allSatisfy { $0.protobufEquals($1) }
    }

    /// Hashes the count and each element.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { element.protobufHash(into: &hasher) }
    }
}

extension Optional: ProtobufEquatable where Wrapped: ProtobufEquatable {
    /// Equal when both are absent or both hold equal values.
    @inlinable
    public func protobufEquals(_ other: Wrapped?) -> Bool {
        switch (self, other) {
        case (nil, nil): true
        case (let left?, let right?): left.protobufEquals(right)
        default: false
        }
    }

    /// Hashes presence, then the value.
    @inlinable
    public func protobufHash(into hasher: inout Hasher) {
        switch self {
        case nil: hasher.combine(false)
        case let value?:
            hasher.combine(true)
            value.protobufHash(into: &hasher)
        }
    }
}
