import ProtobufC
import ZRPCTestKit

/// The message a pipeline row sends: a `zrpc.testkit.FaultRequest` whose `payload` bytes are sized
/// so that the encoded message is exactly `size` bytes (or the nearest size below).
struct Payload: Sendable {
    /// The target encoded size, in bytes.
    let size: Int
    /// The message ZRPC sends.
    let message: Zrpc_Testkit_FaultRequest
    /// The same message, encoded: the payload frame raw libzmq sends.
    let encoded: [UInt8]

    /// A human label: `64 B`, `1 KiB`.
    var label: String {
        size >= 1024 && size % 1024 == 0 ? "\(size / 1024) KiB" : "\(size) B"
    }

    /// Builds the message whose encoding is `size` bytes.
    ///
    /// - Throws: What encoding throws (not expected).
    init(size: Int) throws {
        self.size = size
        var length = max(size - 1, 0)
        var message = Zrpc_Testkit_FaultRequest(payload: [UInt8](repeating: 0x78, count: length))
        // A bytes field costs one tag byte, a varint length and the bytes; trim until it fits.
        while length > 0, try message.serializedBytes().count > size {
            length -= 1
            message = Zrpc_Testkit_FaultRequest(payload: [UInt8](repeating: 0x78, count: length))
        }
        self.message = message
        encoded = try message.serializedBytes()
    }
}
