import EchoMessages
import ZRPC
import ZeroMQ

/// The request sent for one payload size: an `EchoRequest` whose `text` is sized so that the
/// encoded message is exactly `size` bytes; raw libzmq sends the same encoded bytes.
struct Payload: Sendable {
    /// The target encoded size, in bytes.
    let size: Int
    /// The request ZRPC sends.
    let request: Echo_EchoRequest
    /// The same request, encoded: the raw baseline's frame content.
    let encoded: [UInt8]

    /// A human label: `64 B`, `1 KiB`.
    var label: String {
        size >= 1024 && size % 1024 == 0 ? "\(size / 1024) KiB" : "\(size) B"
    }

    /// Builds the request whose encoding is `size` bytes (or the nearest size below it).
    ///
    /// - Throws: What encoding throws (not expected for ASCII text).
    init(size: Int) throws {
        self.size = size
        var length = max(size - 1, 0)
        var request = Echo_EchoRequest(text: String(repeating: "x", count: length))
        // A string field costs one tag byte, a varint length and the bytes; trim until it fits.
        while length > 0, try request.rawFrame().count > size {
            length -= 1
            request = Echo_EchoRequest(text: String(repeating: "x", count: length))
        }
        self.request = request
        self.encoded = try request.rawFrame().bytes
    }
}
