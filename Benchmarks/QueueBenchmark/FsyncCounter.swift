import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Counts another process's fsync and fdatasync calls while it runs: `perf stat -p PID` on the
/// kernel's `syscalls:sys_enter_fsync` and `syscalls:sys_enter_fdatasync` tracepoints. The kernel
/// counts; the process is neither stopped nor slowed (strace stopped the broker at each call and
/// cut its throughput by a factor of three to five, which changed the very batching measured).
final class FsyncCounter {
    private static let perfPath = "/usr/bin/perf"
    private let process: Process
    private let output: String

    /// Whether perf is installed.
    static var available: Bool { FileManager.default.isExecutableFile(atPath: perfPath) }

    /// Starts counting the calls of process `pid`; nil when perf does not start or stops at once
    /// (no permission for tracepoints, say).
    ///
    /// - Parameters:
    ///   - pid: The process to watch (all its threads).
    ///   - output: A file for perf's CSV output.
    init?(pid: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.perfPath)
        process.arguments = [
            "stat", "-x", ",", "-o", output, "-e", "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync", "-p",
            "\(pid)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard Self.runWithSignalsUnblocked(process) else { return nil }
        // perf attaches in well under this; the broker is idle meanwhile (warm-up done, clock not started).
        usleep(300_000)
        guard process.isRunning else { return nil }
        self.process = process
        self.output = output
    }

    /// Starts `process` from a thread of its own with no signal blocked: a child inherits the
    /// signal mask of the thread that starts it, and Swift's cooperative threads block SIGINT,
    /// which perf needs to stop and print its counts.
    private static func runWithSignalsUnblocked(_ process: Process) -> Bool {
        let started = DispatchSemaphore(value: 0)
        let outcome = Mutex(false)
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            let ran = (try? process.run()) != nil
            outcome.withLock { $0 = ran }
            started.signal()
        }
        thread.start()
        started.wait()
        return outcome.withLock { $0 }
    }

    /// Stops counting (SIGINT, as perf expects) and returns the calls counted, or nil when perf
    /// reported none of its events.
    func stop() -> Int? {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        guard let text = try? String(contentsOfFile: output, encoding: .utf8) else { return nil }
        var total: Int?
        for line in text.split(separator: "\n") where line.contains("sys_enter_f") {
            let field = line.split(separator: ",", omittingEmptySubsequences: false)[0]
            // "<not counted>": the event never fired while a thread of the process ran.
            guard let count = field == "<not counted>" ? 0 : Int(field) else { return nil }
            total = (total ?? 0) + count
        }
        return total
    }
}
