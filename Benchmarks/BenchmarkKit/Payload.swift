import Foundation
import ProtobufC
package import ZRPCTestKit

/// The message a throughput row sends: a `zrpc.testkit.FaultRequest` whose `payload` bytes are
/// sized so that the encoded message is exactly `size` bytes (or the nearest size below).
///
/// ```swift
/// let payload = try Payload(size: 64)
/// try await sender.send(payload.message)               // ZRPC encodes it
/// _ = try socket.send([try Frame(bytes: payload.encoded)])   // raw libzmq sends the bytes
/// ```
package struct Payload: Sendable {
    /// The target encoded size, in bytes.
    package let size: Int
    /// The message ZRPC sends.
    package let message: Zrpc_Testkit_FaultRequest
    /// The same message, encoded: the payload frame raw libzmq sends.
    package let encoded: [UInt8]

    /// A human label: `64 B`, `1 KiB`.
    package var label: String {
        size >= 1024 && size % 1024 == 0 ? "\(size / 1024) KiB" : "\(size) B"
    }

    /// Builds the message whose encoding is `size` bytes.
    ///
    /// - Parameter size: The encoded size wanted, in bytes.
    /// - Throws: What encoding throws (not expected).
    package init(size: Int) throws {
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

    /// The payloads of `sizes`, in order; a size that cannot be built is printed on standard
    /// error and ends the process with status 1 (it never happens with the benchmarks' sizes).
    ///
    /// ```swift
    /// for payload in Payload.all(sizes: [64, 1024]) { results.append((payload, await measure(payload))) }
    /// ```
    package static func all(sizes: [Int]) -> [Payload] {
        sizes.map { size in
            do {
                return try Payload(size: size)
            } catch {
                FileHandle.standardError.write(Data("could not build a \(size)-byte payload: \(error)\n".utf8))
                exit(1)
            }
        }
    }
}
