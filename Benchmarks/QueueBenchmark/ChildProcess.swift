import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process of the benchmark: this executable run again as `pull-raw`, `pull-zrpc` or
/// `serve-broker`, which prints `ENDPOINT <endpoint>` first and then
/// answers request lines written to its standard input with one line each on its standard output.
///
/// The child exits as soon as its standard input reaches end-of-file (``stop()`` closed it, or this
/// process died however it died), so no child outlives the benchmark.
final class ChildProcess: @unchecked Sendable {
    // Used by one task at a time: the round that started it.
    /// The endpoint it bound, e.g. `tcp://127.0.0.1:41234`.
    let endpoint: String
    /// Its process id.
    let pid: Int32
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
    init(arguments: [String]) throws {
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
    func readLine(timeout: Duration) throws -> String {
        try Self.readLine(output.fileHandleForReading.fileDescriptor, &pending, timeout: timeout)
    }

    /// Writes `request` as a line and returns the line the child answers with.
    ///
    /// - Throws: ``BenchmarkFailure`` when the child does not answer within `timeout`.
    func request(_ request: String, timeout: Duration = .seconds(10)) throws -> String {
        let bytes = Array("\(request)\n".utf8)
        let written = bytes.withUnsafeBytes {
            write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count)
        }
        guard written == bytes.count else { throw BenchmarkFailure(message: "the child is gone (\(request))") }
        return try readLine(timeout: timeout)
    }

    /// Stops the child: closes its standard input (it exits by itself), then SIGTERM after 5 s,
    /// then SIGKILL. Idempotent; returns once the child has exited.
    func stop() {
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
    static func executablePath() -> String {
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

/// The child's side of ``ChildProcess``: answers request lines on standard input and exits the
/// process when standard input reaches end-of-file.
enum ParentLink {
    /// Starts a thread that reads request lines and prints what `answer` returns for each.
    ///
    /// - Parameter answer: The reply line to a request line, or nil for none.
    static func start(answer: @escaping @Sendable (String) -> String? = { _ in nil }) {
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
    static func say(_ line: String) {
        let bytes = Array("\(line)\n".utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

/// Runs `body` on a new thread (blocking reads and raw sockets stay off Swift's cooperative pool).
func onDedicatedThread<Result: Sendable>(name: String, _ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            Thread.current.name = name
            continuation.resume(returning: body())
        }
        thread.stackSize = 1 << 22
        thread.start()
    }
}

/// A measurement that did not go as planned.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let message: String

    var description: String { message }
}

/// Prints a progress line on standard error.
func progress(_ line: String) {
    FileHandle.standardError.write(Data("[queue-benchmark] \(line)\n".utf8))
}

/// The seconds in a duration.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}
