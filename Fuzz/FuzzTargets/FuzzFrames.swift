/// Reads a fuzzer's input as the frames of a multipart message, so one byte string can stand for
/// any number of frames of any sizes.
///
/// The first byte picks the frame count (`1 + byte % maxFrames`); each frame but the last is a
/// length then that many bytes, and the last frame is whatever is left. A length is one byte below
/// 0x80, or two bytes (`(first & 0x7F) << 8 | second`) from 0x80 on. A length past the end of the
/// input takes what is left, and frames after it are empty.
///
/// ```swift
/// // three frames: [], [0x41, 0x42], [0x43]
/// let input: [UInt8] = [2, 0x00, 0x02, 0x41, 0x42, 0x43]
/// let frames = input.withUnsafeBytes { FuzzFrames.split($0, maxFrames: 8).map(Array.init) }
/// ```
package enum FuzzFrames {
    /// Splits `input` into frames (views into `input`).
    ///
    /// - Parameters:
    ///   - input: The fuzzer's bytes.
    ///   - maxFrames: The most frames to make (at least 1).
    /// - Returns: At least one frame.
    package static func split(_ input: UnsafeRawBufferPointer, maxFrames: Int) -> [UnsafeRawBufferPointer] {
        guard let first = input.first else { return [input] }
        let count = 1 + Int(first) % max(maxFrames, 1)
        var frames: [UnsafeRawBufferPointer] = []
        frames.reserveCapacity(count)
        var position = 1
        for _ in 0..<(count - 1) {
            var length = 0
            if position < input.count {
                length = Int(input[position])
                position += 1
                if length >= 0x80 {
                    length = (length & 0x7F) << 8
                    if position < input.count {
                        length |= Int(input[position])
                        position += 1
                    }
                }
            }
            let end = min(position + length, input.count)
            frames.append(UnsafeRawBufferPointer(rebasing: input[position..<end]))
            position = end
        }
        frames.append(UnsafeRawBufferPointer(rebasing: input[min(position, input.count)...]))
        return frames
    }
}
