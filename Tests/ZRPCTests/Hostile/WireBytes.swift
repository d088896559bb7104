/// Protobuf bytes written by hand, for headers and payloads a Swift `String` cannot hold (invalid
/// UTF-8) or that no encoder would write (lengths that lie, fields nested 100,000 deep).
struct ProtoBytes {
    var bytes: [UInt8] = []

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value > 0x7F ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }

    func varint(_ field: Int, _ value: UInt64) -> ProtoBytes {
        var copy = self
        copy.bytes += Self.varint(UInt64(field << 3)) + Self.varint(value)
        return copy
    }

    func bytes(_ field: Int, _ value: [UInt8]) -> ProtoBytes {
        var copy = self
        copy.bytes += Self.varint(UInt64(field << 3 | 2)) + Self.varint(UInt64(value.count)) + value
        return copy
    }

    func string(_ field: Int, _ value: String) -> ProtoBytes { bytes(field, Array(value.utf8)) }

    func message(_ field: Int, _ value: ProtoBytes) -> ProtoBytes { bytes(field, value.bytes) }
}

/// The frames of ZRPC messages, as a client sends them (no routing id).
enum Wire {
    static let service = "zrpc.testkit.Faulty"
    static let signature = Array("ZRPC01".utf8)

    /// `Header{request: RequestHeader{…}}`.
    static func requestHeader(
        callID: UInt64,
        service: [UInt8] = Array(Wire.service.utf8),
        method: [UInt8] = Array("Read".utf8),
        timeoutMicros: UInt64 = 5_000_000,
        metadata: [(key: [UInt8], value: [UInt8])] = [],
        streamWindow: UInt64 = 0
    ) -> [UInt8] {
        var request = ProtoBytes().varint(1, callID).bytes(2, service).bytes(3, method).varint(4, timeoutMicros)
        var entries: [UInt8] = []
        for entry in metadata {
            var fields = ProtoBytes()
            if !entry.key.isEmpty { fields = fields.bytes(1, entry.key) }
            if !entry.value.isEmpty { fields = fields.bytes(2, entry.value) }
            entries += ProtoBytes().message(5, fields).bytes
        }
        request.bytes += entries
        request = request.varint(7, 1)
        if streamWindow > 0 { request = request.varint(9, streamWindow) }
        return ProtoBytes().message(1, request).bytes
    }

    /// `FaultRequest{key}`.
    static func faultRequest(_ key: String) -> [UInt8] { ProtoBytes().string(1, key).bytes }

    /// A whole message with one request for `zrpc.testkit.Faulty/Read`.
    static func read(callID: UInt64, key: String = "hostile") -> [[UInt8]] {
        [[], signature, requestHeader(callID: callID), faultRequest(key)]
    }

    /// A header of another kind: `Header{<field>: {call_id: callID}}`.
    static func control(field: Int, callID: UInt64) -> [UInt8] {
        ProtoBytes().message(field, ProtoBytes().varint(1, callID)).bytes
    }
}
