import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a short-lived tool (protoc, protoc-c) with `posix_spawn` directly, its input and output
/// in files, and waits for it.
///
/// Foundation's `Process.run()` on Linux adds one close action per descriptor up to the highest
/// one open, and crashed in a test process holding over a thousand descriptors (sockets and
/// threads of many tests at once). Here the child gets three open actions and nothing else:
/// descriptors opened close-on-exec (libzmq's, SQLite's, ZRPC's eventfds) do not reach it, and a
/// stray inherited one lives only as long as the short-lived tool.
///
/// ```swift
/// let status = try Spawn.run("/usr/bin/protoc-c", arguments: ["--c_out=out", "a.proto"], output: "/tmp/protoc.log")
/// ```
public enum Spawn {
    /// A spawn that did not start, with the C library's error.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed, and why.
        public let description: String
    }

    /// Runs `executable` with `arguments` (and this process's environment), standard input from
    /// `input` (or `/dev/null`), standard output and error into `output` (created or truncated),
    /// or standard error into `errors` when given; returns its exit status (128 + the signal when
    /// a signal ended it).
    ///
    /// - Throws: ``Failure`` when the process cannot be started.
    public static func run(
        _ executable: String,
        arguments: [String],
        input: String? = nil,
        output: String,
        errors: String? = nil
    ) throws -> Int32 {
        let child = try spawn(executable, arguments: arguments, environment: nil) { actions in
            let writeFlags = O_WRONLY | O_CREAT | O_TRUNC
            try check(
                posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0),
                "open \(input ?? "/dev/null")"
            )
            try check(posix_spawn_file_actions_addopen(&actions, 1, output, writeFlags, 0o644), "open \(output)")
            if let errors {
                try check(posix_spawn_file_actions_addopen(&actions, 2, errors, writeFlags, 0o644), "open \(errors)")
            } else {
                try check(posix_spawn_file_actions_adddup2(&actions, 1, 2), "dup2")
            }
        }
        child.waitUntilExit()
        return child.terminationStatus
    }

    /// Starts `executable` with `arguments`; standard input and output are the given descriptors
    /// (`nil`: `/dev/null`), standard error the given descriptor, or else this process's when
    /// `inheritStandardError`, or else `/dev/null`.
    ///
    /// - Parameter environment: Variables added to this process's environment.
    /// - Throws: ``Failure`` when the process cannot be started.
    public static func start(
        _ executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        standardInput: FileHandle? = nil,
        standardOutput: FileHandle? = nil,
        standardError: FileHandle? = nil,
        inheritStandardError: Bool = false
    ) throws -> SpawnedProcess {
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        return try spawn(executable, arguments: arguments, environment: merged) { actions in
            for (target, handle) in [(Int32(0), standardInput), (1, standardOutput)] {
                if let handle {
                    try check(posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target), "dup2")
                } else {
                    try check(
                        posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0),
                        "open /dev/null"
                    )
                }
            }
            if let standardError {
                try check(posix_spawn_file_actions_adddup2(&actions, standardError.fileDescriptor, 2), "dup2")
            } else if !inheritStandardError {
                try check(posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0), "open /dev/null")
            }
        }
    }

    /// A pipe whose two ends are close-on-exec (a child gets an end only as a standard stream).
    public static func pipe() throws -> (read: FileHandle, write: FileHandle) {
        var descriptors: [Int32] = [0, 0]
        guard Glibc.pipe(&descriptors) == 0 else {
            throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (
            FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true),
            FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
        )
    }

    private static func spawn(
        _ executable: String,
        arguments: [String],
        environment: [String: String]?,
        actions configure: (inout posix_spawn_file_actions_t) throws -> Void
    ) throws -> SpawnedProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try configure(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for variable in envp ?? [] { free(variable) } }
        var pid: pid_t = 0
        let spawned = argv.withUnsafeBufferPointer { argvPointer -> Int32 in
            guard let base = argvPointer.baseAddress else { return EINVAL }
            guard let envp else { return posix_spawn(&pid, executable, &actions, nil, base, environ) }
            return envp.withUnsafeBufferPointer { envPointer in
                guard let environment = envPointer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, nil, base, environment)
            }
        }
        try check(spawned, "start \(executable)")
        return SpawnedProcess(processIdentifier: pid)
    }

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw Failure(description: "could not \(what): \(String(cString: strerror(result)))") }
    }
}
