import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A server child process: this executable run again as `serve-raw` or `serve-zrpc`, which binds
/// `tcp://127.0.0.1:*` and prints `ENDPOINT <endpoint>` as its first stdout line.
///
/// The child also watches its standard input, a pipe from this process: when it reads end-of-file
/// (``stop()`` closed it, or this process died however it died) it exits at once, so no server
/// outlives the benchmark. ``stop()`` then escalates to SIGTERM and SIGKILL if it must.
final class ChildProcess {
    /// The arguments it was started with, for messages.
    let arguments: [String]
    /// Its process id, for messages.
    let pid: Int32
    /// The endpoint it bound, e.g. `tcp://127.0.0.1:41234`.
    let endpoint: String
    /// Asks the child for its thread switches and CPU time.
    let counters: ServerCounters

    private let process: Process
    private let input: Pipe
    private let output: Pipe
    private var stopped = false

    /// Starts the child and waits for its endpoint line.
    ///
    /// - Parameters:
    ///   - arguments: The child's arguments, e.g. `["serve-zrpc", "--concurrent"]`.
    ///   - startTimeout: How long to wait for the endpoint line.
    /// - Throws: ``ChildProcessError`` when it does not start, exits, or prints no valid endpoint
    ///   in time (the child is stopped first).
    init(arguments: [String], startTimeout: Duration = .seconds(20)) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath())
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ChildProcessError(message: "could not start \(arguments.joined(separator: " ")): \(error)")
        }
        do {
            endpoint = try Self.readEndpoint(from: output.fileHandleForReading.fileDescriptor, timeout: startTimeout)
        } catch {
            Self.stop(process, input: input, output: output)
            throw ChildProcessError(message: "\(arguments.joined(separator: " ")): \(error)")
        }
        guard
            let counters = ServerCounters(
                requestDescriptor: input.fileHandleForWriting.fileDescriptor,
                replyDescriptor: output.fileHandleForReading.fileDescriptor
            )
        else {
            Self.stop(process, input: input, output: output)
            throw ChildProcessError(message: "\(arguments.joined(separator: " ")): could not duplicate its pipes")
        }
        self.counters = counters
        self.arguments = arguments
        self.pid = process.processIdentifier
        self.process = process
        self.input = input
        self.output = output
    }

    deinit {
        stop()
    }

    /// Whether the child is still running.
    var isRunning: Bool { process.isRunning }

    /// Stops the child: closes its standard input (it exits by itself), then SIGTERM after 2 s,
    /// then SIGKILL after 2 s more. Idempotent; returns once the child has exited.
    func stop() {
        guard !stopped else { return }
        stopped = true
        // ServerCounters holds duplicates of the pipe ends: end-of-file reaches the child only
        // once they are closed too.
        counters.close()
        Self.stop(process, input: input, output: output)
    }

    private static func stop(_ process: Process, input: Pipe, output: Pipe) {
        try? input.fileHandleForWriting.close()
        if !waitForExit(process, within: .seconds(2)) {
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
            usleep(5_000)
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

    /// Reads lines from `descriptor` until one reads `ENDPOINT tcp://127.0.0.1:<port>`.
    private static func readEndpoint(from descriptor: Int32, timeout: Duration) throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if let endpoint = Self.endpoint(in: line) { return endpoint }
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw ChildProcessError(message: "no endpoint line within \(timeout)")
            }
            var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1_000 + 1)
            let ready = poll(&item, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ChildProcessError(message: "poll failed: errno \(errno)")
            }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ChildProcessError(message: "read failed: errno \(errno)")
            }
            if count == 0 {
                throw ChildProcessError(message: "exited before printing its endpoint")
            }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    /// The endpoint in an `ENDPOINT …` line, if it is a loopback TCP endpoint with a port.
    static func endpoint(in line: String) -> String? {
        let prefix = "ENDPOINT "
        guard line.hasPrefix(prefix) else { return nil }
        let endpoint = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        let loopback = "tcp://127.0.0.1:"
        guard endpoint.hasPrefix(loopback), let port = UInt16(endpoint.dropFirst(loopback.count)), port > 0 else {
            return nil
        }
        return endpoint
    }
}

/// Reads a server child's thread switches and CPU time by asking it: writes `counters <n>` to its
/// standard input and reads the `COUNTERS <n> <voluntary> <involuntary> <cpu ns>` line it answers
/// with on its standard output (its `getrusage`, which counts every thread, those that ended too).
/// The number pairs a reply with its request, so a late reply is never taken for a later one.
///
/// Holds close-on-exec duplicates of the two pipe ends, so it can be shared across threads and
/// outlive nothing: ``close()`` (called by ``ChildProcess/stop()``) releases them.
final class ServerCounters: Sendable {
    private struct State {
        var requestDescriptor: Int32
        var replyDescriptor: Int32
        /// Bytes read past the last reply line.
        var pending: [UInt8] = []
        /// The number of the last request.
        var sequence: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Duplicates the descriptors; nil if that fails.
    init?(requestDescriptor: Int32, replyDescriptor: Int32) {
        let request = fcntl(requestDescriptor, F_DUPFD_CLOEXEC, 0)
        let reply = fcntl(replyDescriptor, F_DUPFD_CLOEXEC, 0)
        guard request >= 0, reply >= 0 else {
            if request >= 0 { Glibc.close(request) }
            if reply >= 0 { Glibc.close(reply) }
            return nil
        }
        state = Mutex(State(requestDescriptor: request, replyDescriptor: reply))
    }

    deinit {
        close()
    }

    /// Closes the duplicated descriptors; later reads return nil. Idempotent.
    func close() {
        state.withLock { state in
            if state.requestDescriptor >= 0 { Glibc.close(state.requestDescriptor) }
            if state.replyDescriptor >= 0 { Glibc.close(state.replyDescriptor) }
            state.requestDescriptor = -1
            state.replyDescriptor = -1
        }
    }

    /// The child's counters now, or nil if it does not answer within `timeout`.
    func read(timeout: Duration = .seconds(2)) -> ProcessCounters? {
        state.withLock { state -> ProcessCounters? in
            guard state.requestDescriptor >= 0 else { return nil }
            state.sequence += 1
            let sequence = state.sequence
            let request = Array("counters \(sequence)\n".utf8)
            let written = request.withUnsafeBytes { write(state.requestDescriptor, $0.baseAddress, $0.count) }
            guard written == request.count else { return nil }
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var chunk = [UInt8](repeating: 0, count: 256)
            while true {
                while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: state.pending[..<newline], as: UTF8.self)
                    state.pending.removeSubrange(...newline)
                    if let (number, counters) = Self.parse(line), number == sequence { return counters }
                }
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { return nil }
                var item = pollfd(fd: state.replyDescriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&item, 1, Int32(clamping: remaining.components.seconds * 1_000 + 1))
                if ready < 0, errno == EINTR { continue }
                guard ready > 0 else { return nil }
                let count = chunk.withUnsafeMutableBytes { Glibc.read(state.replyDescriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return nil }
                state.pending.append(contentsOf: chunk[..<count])
            }
        }
    }

    /// A reply line's request number and counters.
    static func parse(_ line: String) -> (UInt64, ProcessCounters)? {
        let fields = line.split(separator: " ")
        guard fields.count == 5, fields[0] == "COUNTERS", let number = UInt64(fields[1]),
            let voluntary = UInt64(fields[2]), let involuntary = UInt64(fields[3]), let cpu = UInt64(fields[4])
        else { return nil }
        return (
            number, ProcessCounters(voluntarySwitches: voluntary, involuntarySwitches: involuntary, cpuNanoseconds: cpu)
        )
    }

    /// The reply to a request line, or nil if the line is not a request (the child's side).
    static func reply(to line: String) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count == 2, fields[0] == "counters", let number = UInt64(fields[1]) else { return nil }
        let counters = ProcessCounters.current()
        return
            "COUNTERS \(number) \(counters.voluntarySwitches) \(counters.involuntarySwitches) \(counters.cpuNanoseconds)\n"
    }
}

/// A server child that could not be started or did not report its endpoint.
struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The child's side of ``ChildProcess``: answers `counters` requests on standard input, and
/// exits the process when standard input reaches end-of-file, i.e. when the driver closes the
/// pipe or dies.
enum ParentWatchdog {
    /// Starts a thread that blocks reading standard input; `_exit`s on end-of-file or error.
    ///
    /// - Parameter beforeExit: Runs on that thread just before exiting (e.g. prints statistics).
    static func start(beforeExit: @escaping @Sendable () -> Void = {}) {
        let thread = Thread {
            // Named from inside: on Linux a name set before start() does not reach the thread.
            Thread.current.name = "parent-watchdog"
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
                    if let reply = ServerCounters.reply(to: line) {
                        let bytes = Array(reply.utf8)
                        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                    }
                }
            }
            beforeExit()
            _exit(0)
        }
        thread.start()
    }

    /// Prints the endpoint line the driver waits for.
    static func announce(endpoint: String) {
        FileHandle.standardOutput.write(Data("ENDPOINT \(endpoint)\n".utf8))
    }
}
