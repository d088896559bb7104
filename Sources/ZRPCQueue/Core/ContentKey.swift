/// An idempotency key derived from a task's content, for tasks enqueued without one: the same
/// queue and payload give the same key in every process and after every restart.
enum ContentKey {
    /// `content:` and 32 hex digits: two 64-bit FNV-1a hashes of the queue and payload, with
    /// different offsets. Not cryptographic: it tells apart honest tasks, not forged ones.
    static func derive(queue: String, payload: [UInt8]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        func mix(_ byte: UInt8) {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte ^ 0x5c)) &* 0x0000_0100_0000_01b3
        }
        for byte in queue.utf8 { mix(byte) }
        mix(0)
        for byte in payload { mix(byte) }
        return "content:" + hex(first) + hex(second)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
