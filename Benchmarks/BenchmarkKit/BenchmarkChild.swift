import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process of a benchmark: the benchmark's own executable run again with a child's
/// arguments (`pull-raw 100000`, `sub-zrpc …`), which prints `ENDPOINT <endpoint>` first (its
/// ``ParentLink`` side) and then answers request lines written to its standard input with one line
/// each on its standard output.
///
/// The child exits as soon as its standard input reaches end-of-file (``stop()`` closed it, or this
/// process died however it died), so no child outlives the benchmark.
///
/// ```swift
/// let receiver = try BenchmarkChild(arguments: ["pull-raw", "100000"])
/// defer { receiver.stop() }
/// connect(to: receiver.endpoint)
/// let result = try receiver.readLine(timeout: .seconds(60))
/// ```
package final class BenchmarkChild: @unchecked Sendable {
    // Used by one task at a time: the round that started it.
    /// What it printed after `ENDPOINT `: the endpoint it bound, e.g. `tcp://127.0.0.1:41234`
    /// (or whatever the child names there, such as two endpoints separated by a space).
    package let endpoint: String
    /// Its process id.
    package let pid: Int32
    private let process: Process
    private let input: Pipe
    private let output: Pipe
    private var pending: [UInt8] = []
    private var stopped = false

    /// Starts the child and waits for its endpoint line.
    ///
    /// - Parameters:
    ///   - arguments: The child's arguments, e.g. `["pull-raw", "100000"]`.
    /// - Throws: ``BenchmarkFailure`` when it does not start or prints no endpoint within 30 s.
    package init(arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath())
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        self.process = process
        self.input = input
        self.output = output
        do {
            try process.run()
        } catch {
            throw BenchmarkFailure(message: "could not start \(arguments.joined(separator: " ")): \(error)")
        }
        var endpoint: String?
        do {
            let line = try Self.readLine(output.fileHandleForReading.fileDescriptor, &pending, timeout: .seconds(30))
            if line.hasPrefix("ENDPOINT ") { endpoint = String(line.dropFirst("ENDPOINT ".count)) }
        } catch {}
        guard let endpoint else {
            Self.stop(process, input: input, output: output)
            throw BenchmarkFailure(message: "\(arguments.joined(separator: " ")) printed no endpoint")
        }
        self.endpoint = endpoint
        pid = process.processIdentifier
    }

    deinit {
        stop()
    }

    /// The next line the child prints.
    ///
    /// - Parameter timeout: How long to wait for it.
    /// - Throws: ``BenchmarkFailure`` when none comes in time or the child exits.
    package func readLine(timeout: Duration) throws -> String {
        try Self.readLine(output.fileHandleForReading.fileDescriptor, &pending, timeout: timeout)
    }

    /// Writes `request` as a line and returns the line the child answers with.
    ///
    /// - Throws: ``BenchmarkFailure`` when the child does not answer within `timeout`.
    package func request(_ request: String, timeout: Duration = .seconds(10)) throws -> String {
        let bytes = Array("\(request)\n".utf8)
        let written = bytes.withUnsafeBytes {
            write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count)
        }
        guard written == bytes.count else { throw BenchmarkFailure(message: "the child is gone (\(request))") }
        return try readLine(timeout: timeout)
    }

    /// Stops the child: closes its standard input (it exits by itself), then SIGTERM after 5 s,
    /// then SIGKILL. Idempotent; returns once the child has exited.
    package func stop() {
        guard !stopped else { return }
        stopped = true
        Self.stop(process, input: input, output: output)
    }

    private static func stop(_ process: Process, input: Pipe, output: Pipe) {
        try? input.fileHandleForWriting.close()
        if !waitForExit(process, within: .seconds(5)) {
            process.terminate()
            if !waitForExit(process, within: .seconds(2)) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try? output.fileHandleForReading.close()
    }

    private static func waitForExit(_ process: Process, within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// This executable's path: /proc/self/exe, else what Foundation or argv[0] say.
    package static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return path
        }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    private static func readLine(_ descriptor: Int32, _ pending: inout [UInt8], timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw BenchmarkFailure(message: "the child printed nothing for \(timeout)") }
            var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&item, 1, Int32(clamping: remaining.components.seconds * 1_000 + 1))
            if ready < 0, errno == EINTR { continue }
            guard ready >= 0 else { throw BenchmarkFailure(message: "poll failed: errno \(errno)") }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw BenchmarkFailure(message: "the child exited") }
            pending.append(contentsOf: chunk[..<count])
        }
    }
}
