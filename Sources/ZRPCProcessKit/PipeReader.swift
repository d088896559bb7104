import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a pipe without Foundation's `FileHandle.availableData`, which stops the process with a
/// fatal error when a signal interrupts the read (EINTR: a child process exiting is enough, on a
/// thread that is blocked reading).
///
/// ```swift
/// let output = Pipe()
/// process.standardOutput = output
/// try process.run()
/// while let chunk = PipeReader.next(output.fileHandleForReading) {
///     handle(chunk)
/// }
/// ```
public enum PipeReader {
    /// Blocks until bytes are available and returns them (up to 64 KiB), or `nil` at end-of-file
    /// or on an error other than an interruption.
    public static func next(_ handle: FileHandle) -> Data? {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { bytes in
                read(handle.fileDescriptor, bytes.baseAddress, bytes.count)
            }
            if count > 0 { return Data(buffer[0..<count]) }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// Reads until end-of-file and returns everything read.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        while let chunk = next(handle) { data.append(chunk) }
        return data
    }
}
