import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with ``Spawn/start(_:arguments:environment:standardInput:standardOutput:)``:
/// what tests and tools need of Foundation's `Process`, without its `run()` (see ``Spawn``).
///
/// ```swift
/// let output = try Spawn.pipe()
/// let child = try Spawn.start("/usr/bin/env", arguments: [], standardOutput: output.write)
/// try output.write.close()
/// child.waitUntilExit()
/// print(child.terminationStatus)
/// ```
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let processIdentifier: pid_t
    /// The exit status once reaped (128 + the signal for a signalled child).
    private let status = Mutex<Int32?>(nil)

    init(processIdentifier: pid_t) {
        self.processIdentifier = processIdentifier
    }

    /// Whether the child has not exited yet (reaps it if it has).
    public var isRunning: Bool {
        if status.withLock({ $0 }) != nil { return false }
        var raw: Int32 = 0
        let reaped = waitpid(processIdentifier, &raw, WNOHANG)
        if reaped == processIdentifier {
            record(raw)
            return false
        }
        // -1 with ECHILD: another thread reaped it in waitUntilExit.
        return reaped == 0
    }

    /// The exit status (valid after ``waitUntilExit()``; -1 before).
    public var terminationStatus: Int32 { status.withLock { $0 } ?? -1 }

    /// Blocks until the child exits.
    public func waitUntilExit() {
        var raw: Int32 = 0
        while status.withLock({ $0 }) == nil {
            let reaped = waitpid(processIdentifier, &raw, 0)
            if reaped == processIdentifier {
                record(raw)
            } else if reaped < 0, errno != EINTR {
                // Reaped by isRunning on another thread: its status is recorded or about to be.
                usleep(1_000)
            }
        }
    }

    /// Sends SIGTERM.
    public func terminate() {
        signal(SIGTERM)
    }

    /// Sends `signal` to the child while it runs.
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        _ = kill(processIdentifier, signal)
    }

    private func record(_ raw: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
        let signal = raw & 0x7f
        let code = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        status.withLock { $0 = $0 ?? code }
    }
}
