import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The child's side of ``BenchmarkChild``: answers request lines on standard input and exits the
/// process when standard input reaches end-of-file.
///
/// ```swift
/// ParentLink.start { request in request == "STATS" ? "STATS \(counts.value)" : nil }
/// ParentLink.say("ENDPOINT \(try socket.lastEndpoint)")
/// ```
package enum ParentLink {
    /// Starts a thread that reads request lines and prints what `answer` returns for each.
    ///
    /// - Parameter answer: The reply line to a request line, or nil for none.
    package static func start(answer: @escaping @Sendable (String) -> String? = { _ in nil }) {
        let thread = Thread {
            Thread.current.name = "parent-link"
            var buffer = [UInt8](repeating: 0, count: 256)
            var pending: [UInt8] = []
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                pending.append(contentsOf: buffer[..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if let reply = answer(line) { say(reply) }
                }
            }
            _exit(0)
        }
        thread.start()
    }

    /// Prints one line on standard output, in one write.
    ///
    /// - Parameter line: The line, without its newline.
    package static func say(_ line: String) {
        let bytes = Array("\(line)\n".utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// Runs a child's body; a failure is printed on standard error and ends the process with status 1.
    ///
    /// ```swift
    /// await ParentLink.runChild("pull-raw") { try PipelineReceiverChild.runRaw(count: count) }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The child's name, for the message.
    ///   - body: The child's work; it never returns (the parent link ends the process).
    package static func runChild(_ name: String, _ body: () async throws -> Never) async -> Never {
        do {
            try await body()
        } catch {
            FileHandle.standardError.write(Data("\(name) failed: \(error)\n".utf8))
            exit(1)
        }
    }
}
