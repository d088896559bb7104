/// Names one publisher instance on the wire: random bytes chosen when a ``Publisher`` is made, so
/// a restarted process is a new publisher and its sequence numbers start again without looking
/// like a gap. A forwarder has one too, for its welcomes.
///
/// ```swift
/// let publisher = try await Publisher<Price>(topic: "prices", connect: "tcp://127.0.0.1:7200")
/// print(publisher.id)                    // 32 hex digits
/// for (id, tally) in subscription.statistics.publishers { print(id, tally.missed) }
/// ```
public struct PublisherID: Hashable, Sendable, CustomStringConvertible {
    /// The bytes as they travel in the header (1 to 64; 16 from Swift publishers).
    public let bytes: [UInt8]

    /// Wraps bytes read from a header or handed over by another process.
    ///
    /// ```swift
    /// let id = PublisherID(bytes: [0x01, 0x02])
    /// ```
    ///
    /// - Parameter bytes: The identifier's bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A new random identifier of 16 bytes.
    ///
    /// ```swift
    /// let id = PublisherID.random()
    /// ```
    ///
    /// - Returns: The identifier.
    public static func random() -> PublisherID {
        var generator = SystemRandomNumberGenerator()
        return PublisherID(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The bytes as lower-case hex digits, e.g. `3f09…`.
    public var description: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// Parses the hex digits ``description`` prints.
    ///
    /// ```swift
    /// let id = PublisherID(hex: "0a0b")     // bytes [10, 11]
    /// ```
    ///
    /// - Parameter hex: An even number of hex digits.
    /// - Returns: Nil when `hex` is empty, odd or not hex.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
            index += 2
        }
        self.bytes = bytes
    }

    /// Hashes the bytes in one call (an array's own hashing feeds them one at a time; a
    /// subscription looks an id up for every message it reads).
    ///
    /// ```swift
    /// var seen: Set<PublisherID> = [publisher.id]
    /// ```
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
