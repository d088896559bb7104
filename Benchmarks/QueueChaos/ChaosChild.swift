import Foundation
import Synchronization
import ZRPCProcessKit

/// A process the chaos run started: its own binary in another role, or zrpc-broker. Its standard
/// output is collected line by line; it dies with the chaos run.
final class ChaosChild: Sendable {
    let name: String
    private let process: Process
    private let lines = Mutex<[String]>([])
    private let partial = Mutex("")
    private let link: Mutex<FileHandle?>

    /// Starts the executable `executable` (next to this one) with `arguments`.
    init(name: String, executable: String, arguments: [String]) throws {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(executable)
        process.arguments = arguments
        link = Mutex(try ExitWithParent.link(process))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        self.process = process
        try process.run()
        Thread { [self] in
            while true {
                guard let chunk = PipeReader.next(output.fileHandleForReading) else { return }
                let complete = partial.withLock { partial -> [String] in
                    partial += String(decoding: chunk, as: UTF8.self)
                    var parts = partial.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    partial = parts.removeLast()
                    return parts
                }
                lines.withLock { $0 += complete }
            }
        }.start()
    }

    /// The lines printed so far.
    var output: [String] { lines.withLock { $0 } }

    /// Waits up to `timeout` for a printed line starting with `prefix`.
    func line(startingWith prefix: String, within timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.hasPrefix(prefix) }) { return line }
            if !process.isRunning { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return output.first { $0.hasPrefix(prefix) }
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL: no chance to clean up, as in a crash.
    func kill() async {
        if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
        await waitForExit()
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        if process.isRunning { process.terminate() }
        await waitForExit()
    }

    /// Waits for the exit on a thread of its own (not on Swift's small cooperative pool).
    func waitForExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { [self] in
                process.waitUntilExit()
                link.withLock { link in
                    try? link?.close()
                    link = nil
                }
                continuation.resume()
            }.start()
        }
    }
}
