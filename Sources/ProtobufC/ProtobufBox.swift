/// An immutable heap box that lets a generated message hold a field of its own type.
///
/// Generated code uses it for singular message fields that can lead back to the message that
/// holds them (`message Node { Node child = 1; }`); the public property stays a plain optional.
public final class ProtobufBox<Value: Hashable & Sendable>: Hashable, Sendable {
    /// The boxed value.
    public let value: Value

    /// Boxes a value.
    ///
    /// - Parameter value: The value to box.
    public init(_ value: Value) {
        self.value = value
    }

    public static func == (lhs: ProtobufBox, rhs: ProtobufBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }
}
