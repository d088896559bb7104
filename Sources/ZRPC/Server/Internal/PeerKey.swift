internal import ZeroMQ

/// A client's ZeroMQ routing id as a cheap dictionary key: ids of up to 16 bytes (libzmq's own
/// are 5) are packed into two words without allocating; longer ones are kept as bytes.
struct PeerKey: Hashable, Sendable {
    private let low: UInt64
    private let high: UInt64
    private let count: Int
    private let long: [UInt8]?

    init(_ routingID: Frame) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        let count = routingID.count
        var long: [UInt8]?
        routingID.withUnsafeBytes { bytes in
            if bytes.count <= 16 {
                for (index, byte) in bytes.enumerated() {
                    if index < 8 {
                        low |= UInt64(byte) << (8 * UInt64(index))
                    } else {
                        high |= UInt64(byte) << (8 * UInt64(index - 8))
                    }
                }
            } else {
                long = Array(bytes)
            }
        }
        self.low = low
        self.high = high
        self.count = count
        self.long = long
    }
}

/// A client of a server: the routing id frame its responses are sent to, compared and hashed by
/// its ``PeerKey`` (computed once per received message, shared by the message's calls).
struct ClientAddress: Hashable, Sendable {
    /// Where the client's responses go.
    let routingID: Frame
    let key: PeerKey

    init(_ routingID: Frame) {
        self.routingID = routingID
        self.key = PeerKey(routingID)
    }

    /// The routing id in hexadecimal, for logs (as ``ServerContext/peer`` shows it to handlers).
    var hexRoutingID: String {
        routingID.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func == (lhs: ClientAddress, rhs: ClientAddress) -> Bool { lhs.key == rhs.key }

    func hash(into hasher: inout Hasher) { hasher.combine(key) }
}
