/// A Swift enum generated from a proto3 `enum`.
///
/// proto3 enums are open: a number the schema does not name survives a round trip as
/// `.unrecognized(number)`.
///
/// ```swift
/// let color = Color(rawValue: 7)   // .unrecognized(7)
/// color.rawValue                    // 7
/// ```
public protocol ProtobufEnum: RawRepresentable, Hashable, Sendable, ProtobufEquatable where RawValue == Int32 {
    /// Creates the case for a wire number; unknown numbers become `.unrecognized`.
    ///
    /// - Parameter rawValue: The enum's number on the wire.
    init(rawValue: Int32)
}
