import Foundation
import Synchronization
import ZRPCProcessKit

/// A child process for tests across processes: an executable built next to the test binary
/// (`echo-server`, `zrpc-fault-service`, `zrpc-broker`, …) that prints the endpoint it bound on
/// its first line, linked to this process so it never outlives it.
///
/// ```swift
/// let server = try await ChildProcess.start("zrpc-fault-service")
/// let client = Client(configuration: .init(endpoints: [server.endpoint]))
/// …
/// server.kill()            // SIGKILL, as a crash would
/// await server.stop()
/// ```
public final class ChildProcess: Sendable {
    /// The running process.
    public let process: SpawnedProcess
    /// The endpoint it reported, e.g. `tcp://127.0.0.1:41234`.
    public let endpoint: String
    /// The write end of the child's standard input; the child exits when it closes.
    public let parentLink: FileHandle

    /// The child did not start or did not report an endpoint.
    public struct StartFailure: Error, CustomStringConvertible {
        /// What went wrong.
        public let description: String
    }

    /// Starts the process and waits for its endpoint, on a thread of its own: blocking reads
    /// on Swift's small cooperative pool would starve the other tests running in parallel.
    ///
    /// - Parameters:
    ///   - name: The executable's name, built next to the tests.
    ///   - arguments: Its arguments (by default an ephemeral port on 127.0.0.1 to bind).
    ///   - environment: Variables added to this process's environment.
    ///   - capturingLogs: Keep what the child writes to its standard error (where swift-log's
    ///     default handler writes) in ``loggedText``; otherwise it goes to `/dev/null`.
    public static func start(
        _ name: String,
        arguments: [String] = ["tcp://127.0.0.1:*"],
        environment: [String: String] = [:],
        capturingLogs: Bool = false
    ) async throws -> ChildProcess {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        try startBlocking(
                            name,
                            arguments: arguments,
                            environment: environment,
                            capturingLogs: capturingLogs
                        )
                    }
                )
            }.start()
        }
    }

    private static func startBlocking(
        _ name: String,
        arguments: [String],
        environment: [String: String],
        capturingLogs: Bool
    ) throws -> ChildProcess {
        // The child exits when the link closes: it never outlives a killed test runner.
        let link = try Spawn.pipe()
        let output = try Spawn.pipe()
        let errors = capturingLogs ? try Spawn.pipe() : nil
        let process = try Spawn.start(
            try executable(name).path,
            arguments: arguments,
            environment: environment.merging([ExitWithParent.environmentVariable: "1"]) { _, new in new },
            standardInput: link.read,
            standardOutput: output.write,
            standardError: errors?.write
        )
        try? link.read.close()
        try? output.write.close()
        try? errors?.write.close()
        let parentLink = link.write
        // The first line names the bound endpoint; bounded by the process exiting or 10 s.
        var line = Data()
        let deadline = Date().addingTimeInterval(10)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline {
            guard let chunk = PipeReader.next(output.read) else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"tcp://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            process.terminate()
            throw StartFailure(description: "\(name) did not report an endpoint: \(text)")
        }
        let child = ChildProcess(process: process, endpoint: String(text[range]), parentLink: parentLink)
        child.output.withLock { $0 = text }
        // Keeps reading, so a chatty child never blocks on a full pipe, until it exits.
        Thread {
            while true {
                guard let chunk = PipeReader.next(output.read) else { return }
                child.output.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
        }.start()
        if let errors {
            Thread {
                while true {
                    guard let chunk = PipeReader.next(errors.read) else { return }
                    child.logs.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }.start()
        }
        return child
    }

    /// The executable `name`, built next to the tests.
    private static func executable(_ name: String) throws -> URL {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
            .deletingLastPathComponent()
            .appendingPathComponent(name)
        let executable =
            FileManager.default.isExecutableFile(atPath: binary.path)
            ? binary
            : Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw StartFailure(
                description:
                    "\(name) is not built next to the tests (\(executable.path)); run swift build --build-tests"
            )
        }
        return executable
    }

    private init(process: SpawnedProcess, endpoint: String, parentLink: FileHandle) {
        self.process = process
        self.endpoint = endpoint
        self.parentLink = parentLink
    }

    /// Everything the child printed to its standard output so far.
    private let output = Mutex("")

    /// What the child has printed to its standard output so far.
    public var printedText: String { output.withLock { $0 } }

    /// Everything the child wrote to its standard error (its logs), when started `capturingLogs`.
    private let logs = Mutex("")

    /// What the child has written to its standard error so far (its log lines), when started with
    /// `capturingLogs: true`; empty otherwise.
    ///
    /// ```swift
    /// let orders = try await ChildProcess.start("cluster-orders", arguments: [], capturingLogs: true)
    /// #expect(!orders.loggedText.contains("4111111111111111"))
    /// ```
    public var loggedText: String { logs.withLock { $0 } }

    /// Waits up to `timeout` for the child to print a line equal to `line`.
    ///
    /// - Returns: Whether it did in time.
    public func printed(_ line: String, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if printedText.split(separator: "\n").contains(Substring(line)) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return printedText.split(separator: "\n").contains(Substring(line))
    }

    /// Waits up to `timeout` for the process to exit without being asked; terminates it and
    /// returns false if it does not.
    public func exitsByItself(within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    Thread {
                        self.process.waitUntilExit()
                        continuation.resume(returning: true)
                    }.start()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let exited = await group.next() ?? false
            if !exited { process.terminate() }  // lets the waiting thread, and so the group, finish
            group.cancelAll()
            return exited
        }
    }

    /// Runs an executable built next to the tests to its end and returns its exit status and what
    /// it printed to standard output; terminates it after `timeout` (status then 143: 128 + SIGTERM).
    ///
    /// - Throws: ``StartFailure`` when the executable is not there.
    public static func runToEnd(
        _ name: String,
        arguments: [String],
        within timeout: Duration
    ) async throws -> (status: Int32, output: String) {
        let link = try Spawn.pipe()
        let output = try Spawn.pipe()
        let process = try Spawn.start(
            try executable(name).path,
            arguments: arguments,
            environment: [ExitWithParent.environmentVariable: "1"],
            standardInput: link.read,
            standardOutput: output.write
        )
        try? link.read.close()
        try? output.write.close()
        let parentLink = link.write
        let timer = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        let text = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                let data = PipeReader.readToEnd(output.read)
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
        timer.cancel()
        try? parentLink.close()
        return (process.terminationStatus, text)
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would (it cannot clean up).
    public func kill() {
        guard process.isRunning else { return }
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// Stops the process (SIGTERM) and waits for it to exit, on a thread of its own.
    public func stop() async {
        await withCheckedContinuation { continuation in
            Thread {
                if self.process.isRunning {
                    self.process.terminate()
                    self.process.waitUntilExit()
                }
                continuation.resume()
            }.start()
        }
    }
}
