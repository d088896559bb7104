internal import CZeroMQ

/// An option's libzmq name and number and how its value is encoded.
struct OptionDefinition<Value>: Sendable {
    var name: String
    var code: Int32
    var codec: OptionCodec<Value>
}

/// How an option's value travels through `zmq_setsockopt` and `zmq_getsockopt` as bytes.
///
/// Errors thrown by `encode` and `decode` carry an empty operation; the caller fills it in.
struct OptionCodec<Value>: Sendable {
    /// The buffer size passed to `zmq_getsockopt` (libzmq checks it exactly for numbers and CURVE keys).
    var capacity: Int
    var encode: @Sendable (Value) throws(ZMQError) -> [UInt8]
    var decode: @Sendable ([UInt8]) throws(ZMQError) -> Value
}

private func invalid(_ message: String) -> ZMQError {
    ZMQError.invalidArgument(message, operation: "")
}

private func encodeInt32(_ value: Int32) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}

private func decodeInt32(_ bytes: [UInt8]) throws(ZMQError) -> Int32 {
    guard bytes.count == MemoryLayout<Int32>.size else {
        throw invalid("expected a 4-byte integer, got \(bytes.count) bytes")
    }
    return bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
}

private func int32Milliseconds(_ duration: Duration) throws(ZMQError) -> Int32 {
    guard let milliseconds = duration.roundedUpMilliseconds, let value = Int32(exactly: milliseconds) else {
        throw invalid("duration \(duration) is negative or longer than \(Int32.max) ms")
    }
    return value
}

extension OptionCodec where Value == Int {
    static var int32: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value throws(ZMQError) in
                guard let value = Int32(exactly: value) else { throw invalid("\(value) does not fit in an Int32") }
                return encodeInt32(value)
            },
            decode: { bytes throws(ZMQError) in Int(try decodeInt32(bytes)) }
        )
    }
}

extension OptionCodec where Value == Bool {
    static var bool: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value in encodeInt32(value ? 1 : 0) },
            decode: { bytes throws(ZMQError) in try decodeInt32(bytes) != 0 }
        )
    }
}

extension OptionCodec where Value == Bool? {
    /// -1 ⇔ `nil`, 0 ⇔ `false`, 1 ⇔ `true`.
    static var boolOrNil: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value in encodeInt32(value.map { $0 ? 1 : 0 } ?? -1) },
            decode: { bytes throws(ZMQError) in
                let value = try decodeInt32(bytes)
                return value < 0 ? nil : value != 0
            }
        )
    }
}

extension OptionCodec where Value == Int64 {
    static var int64: Self {
        Self(
            capacity: MemoryLayout<Int64>.size,
            encode: { value in withUnsafeBytes(of: value) { Array($0) } },
            decode: { bytes throws(ZMQError) in
                guard bytes.count == MemoryLayout<Int64>.size else {
                    throw invalid("expected an 8-byte integer, got \(bytes.count) bytes")
                }
                return bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
            }
        )
    }
}

extension OptionCodec where Value == Duration {
    /// A non-negative number of milliseconds (rounded up).
    static var milliseconds: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value throws(ZMQError) in encodeInt32(try int32Milliseconds(value)) },
            decode: { bytes throws(ZMQError) in .milliseconds(max(0, try decodeInt32(bytes))) }
        )
    }
}

extension OptionCodec where Value == Duration? {
    /// Milliseconds (rounded up), with -1 ⇔ `nil` (infinite, or the option's documented default).
    static var millisecondsOrNil: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value throws(ZMQError) in
                guard let value else { return encodeInt32(-1) }
                return encodeInt32(try int32Milliseconds(value))
            },
            decode: { bytes throws(ZMQError) in
                let value = try decodeInt32(bytes)
                return value < 0 ? nil : .milliseconds(value)
            }
        )
    }
}

extension OptionCodec where Value == Duration? {
    /// Milliseconds (rounded up), read as `nil` when libzmq reports -1 ("unset"), which cannot be set.
    static var millisecondsUnsetWhenNil: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value throws(ZMQError) in
                guard let value else { throw invalid("this option cannot be set back to unset (nil)") }
                return encodeInt32(try int32Milliseconds(value))
            },
            decode: millisecondsOrNil.decode
        )
    }
}

extension OptionCodec where Value == [UInt8] {
    /// Raw bytes; `capacity` is the most `zmq_getsockopt` can return.
    static func bytes(capacity: Int) -> Self {
        Self(capacity: capacity, encode: { $0 }, decode: { $0 })
    }
}

extension OptionCodec where Value == String {
    /// A string set without a terminating NUL and read back with one (stripped).
    static func string(capacity: Int) -> Self {
        Self(
            capacity: capacity,
            encode: { value throws(ZMQError) in
                let bytes = Array(value.utf8)
                guard !bytes.contains(0) else { throw invalid("the string contains a NUL character") }
                return bytes
            },
            decode: { bytes in
                let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
                return String(decoding: bytes[..<end], as: UTF8.self)
            }
        )
    }

    /// A CURVE key: set as 32 raw bytes after validating the 40-character Z85 text, read back as Z85.
    static var curveKey: Self {
        Self(
            capacity: Z85.curveKeyLength + 1,
            encode: { value throws(ZMQError) in try Z85.decodeCurveKey(value) },
            decode: { bytes in
                let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
                return String(decoding: bytes[..<end], as: UTF8.self)
            }
        )
    }
}

extension OptionCodec where Value == SocketType {
    static var socketType: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value in encodeInt32(value.rawValue) },
            decode: { bytes throws(ZMQError) in SocketType(rawValue: try decodeInt32(bytes)) }
        )
    }
}

extension OptionCodec where Value == PollEvents {
    static var pollEvents: Self {
        Self(
            capacity: MemoryLayout<Int32>.size,
            encode: { value in encodeInt32(Int32(value.rawValue)) },
            decode: { bytes throws(ZMQError) in
                PollEvents(rawValue: Int16(truncatingIfNeeded: try decodeInt32(bytes)))
            }
        )
    }
}
