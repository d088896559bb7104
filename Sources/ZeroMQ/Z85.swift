internal import CZeroMQ

/// Z85, ZeroMQ's printable encoding of binary data (RFC 32), as used for CURVE keys.
///
/// Four bytes become five characters, so a 32-byte CURVE key is 40 characters.
///
/// ```swift
/// let text = try Z85.encode([0x86, 0x4F, 0xD2, 0x6F])   // "HelloWorld" is 8 bytes → 10 characters
/// let bytes = try Z85.decode(text)
/// ```
public enum Z85 {
    /// The length of a CURVE key in Z85 characters.
    public static let curveKeyLength = 40
    /// The length of a CURVE key in bytes.
    public static let curveKeyByteCount = 32

    /// The 85 characters of the Z85 alphabet, in value order.
    static let alphabet = Array(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8
    )

    /// Encodes bytes as Z85 text.
    ///
    /// - Parameters:
    ///   - bytes: The data; its length must be a multiple of 4.
    /// - Returns: The text, 5 characters per 4 bytes.
    /// - Throws: ``ZMQError`` with `invalidArgument` if the length is not a multiple of 4.
    public static func encode(_ bytes: some Collection<UInt8>) throws(ZMQError) -> String {
        let data = Array(bytes)
        guard data.count % 4 == 0 else {
            throw .invalidArgument(
                "Z85 encodes whole groups of 4 bytes; got \(data.count) bytes",
                operation: "zmq_z85_encode"
            )
        }
        guard !data.isEmpty else { return "" }
        var text = [CChar](repeating: 0, count: data.count / 4 * 5 + 1)
        let encoded = data.withUnsafeBufferPointer { source in
            text.withUnsafeMutableBufferPointer { destination in
                zmq_z85_encode(destination.baseAddress, source.baseAddress, source.count) != nil
            }
        }
        guard encoded else {
            throw ZMQError(code: .invalidArgument, operation: "zmq_z85_encode")
        }
        return String(decoding: text.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text.
    ///
    /// - Parameters:
    ///   - text: The text; its length must be a multiple of 5 and every character in the Z85 alphabet.
    /// - Returns: The bytes, 4 per 5 characters.
    /// - Throws: ``ZMQError`` with `invalidArgument` for a bad length, a character outside the alphabet, or
    ///   a group whose value does not fit in 32 bits.
    public static func decode(_ text: String) throws(ZMQError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 5 == 0 else {
            throw .invalidArgument(
                "Z85 text must be a multiple of 5 characters long; got \(characters.count)",
                operation: "zmq_z85_decode"
            )
        }
        if let bad = characters.first(where: { !alphabet.contains($0) }) {
            throw .invalidArgument(
                "character \(String(decoding: [bad], as: UTF8.self).debugDescription) is not in the Z85 alphabet",
                operation: "zmq_z85_decode"
            )
        }
        guard !characters.isEmpty else { return [] }
        var bytes = [UInt8](repeating: 0, count: characters.count / 5 * 4)
        // NUL-terminated copy; the checks above keep zmq_z85_decode within `bytes`.
        let decoded = (characters + [0]).withUnsafeBufferPointer { source in
            bytes.withUnsafeMutableBufferPointer { destination in
                source.withMemoryRebound(to: CChar.self) { zmq_z85_decode(destination.baseAddress, $0.baseAddress) }
                    != nil
            }
        }
        guard decoded else {
            throw .invalidArgument("Z85 group value exceeds 32 bits", operation: "zmq_z85_decode")
        }
        return bytes
    }

    /// Validates a Z85 CURVE key and decodes it to its 32 bytes.
    static func decodeCurveKey(_ key: String) throws(ZMQError) -> [UInt8] {
        guard key.utf8.count == curveKeyLength else {
            throw .invalidArgument(
                "a CURVE key is \(curveKeyLength) Z85 characters; got \(key.utf8.count)",
                operation: "Z85.decodeCurveKey"
            )
        }
        return try decode(key)
    }
}
