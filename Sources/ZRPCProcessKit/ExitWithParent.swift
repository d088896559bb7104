import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ends a child process when the process that started it goes away, even one killed with SIGKILL.
///
/// The parent gives the child a pipe as standard input and keeps the pipe's other end. When the
/// parent ends, however it ends, the kernel closes that end; the child reads end-of-file and exits
/// at once. Test runners, benchmarks and supervisors use it so no server outlives them.
///
/// It is opt-in, because a process started from a shell in the background often has no standard
/// input at all: the child watches only when ``environmentVariable`` is `1`.
///
/// ```swift
/// // The child, first thing in main.swift:
/// ExitWithParent.startIfRequested()
///
/// // The parent, before run():
/// let process = Process()
/// process.executableURL = URL(fileURLWithPath: ".build/debug/echo-server")
/// let link = try ExitWithParent.link(process)  // keep it open for as long as the child should live
/// try process.run()
/// ```
public enum ExitWithParent {
    /// The environment variable that turns the watch on (`ZRPC_EXIT_WITH_PARENT=1`).
    public static let environmentVariable = "ZRPC_EXIT_WITH_PARENT"

    /// Prepares `process`, before it runs, to exit when this process ends: sets
    /// ``environmentVariable`` in its environment and gives it a pipe as standard input.
    ///
    /// Both ends of the pipe are close-on-exec, so no other child inherits this one's link (two
    /// children holding each other's links would keep each other alive).
    ///
    /// - Parameter process: A process not started yet; its environment is this process's when unset.
    /// - Returns: The pipe's write end. Closing it (or this process ending) ends the child.
    /// - Throws: `POSIXError` when the pipe cannot be made.
    public static func link(_ process: Process) throws -> FileHandle {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // (Glibc's module does not export pipe2; a child spawned by another thread between these
        // calls could still inherit the pipe, which only delays that one exit until it ends too.)
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        var environment = process.environment ?? ProcessInfo.processInfo.environment
        environment[environmentVariable] = "1"
        process.environment = environment
        process.standardInput = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true)
        return FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
    }

    /// Starts a thread that reads standard input and exits the process (status 0) at end-of-file,
    /// if the environment asks for it. Whatever arrives on standard input is discarded.
    ///
    /// - Parameter environment: Where to look for ``environmentVariable``.
    /// - Returns: Whether the watch started.
    @discardableResult
    public static func startIfRequested(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard environment[environmentVariable] == "1" else { return false }
        let thread = Thread {
            // Blocks until input arrives; nil only at end-of-file (interruptions are retried).
            while PipeReader.next(FileHandle.standardInput) != nil {}
            // _exit, not exit: atexit handlers would race the threads still serving.
            _exit(0)
        }
        thread.stackSize = 256 << 10
        thread.start()
        return true
    }
}
