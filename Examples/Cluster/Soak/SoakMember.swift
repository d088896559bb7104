import Foundation
import SoakKit
import ZRPCTestKit

/// One process of the soak cluster: how to start it, and the running instance. After a kill it is
/// started again with the same arguments and environment, on the endpoint it bound the first time, so
/// its clients reconnect without being told.
@MainActor
final class SoakMember {
    /// What the chaos schedule calls it: `worker`, `broker`, `rpc`, or `infrastructure` (never killed).
    let role: String
    /// A name for the report, e.g. `edge-2`.
    let name: String
    private let executable: String
    private var arguments: [String]
    private var environment: [String: String]
    private(set) var child: ChildProcess?
    /// Instances started, restarts included.
    private(set) var starts = 0

    init(role: String, name: String, executable: String, arguments: [String] = [], environment: [String: String] = [:])
    {
        self.role = role
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// The endpoint its first line named (kept after a kill: it is started there again).
    private(set) var endpoint = ""

    /// The instance's name and pid, as the timeline keys it (`edge-2#4242`).
    var instance: String? { child.map { "\(name)#\($0.process.processIdentifier)" } }

    /// Starts it (again). After the first start, `rebind` turns the arguments and environment into
    /// ones that bind the same endpoints as before.
    func start(rebind: (inout [String], inout [String: String]) -> Void = { _, _ in }) async throws {
        if starts > 0 { rebind(&arguments, &environment) }
        // Its log lines are kept: when it exits by itself (a crash), they say why.
        let child = try await ChildProcess.start(
            executable,
            arguments: arguments,
            environment: environment,
            capturingLogs: true
        )
        self.child = child
        endpoint = child.endpoint
        starts += 1
    }

    /// Whether the running instance exited although nobody stopped or killed it (a crash): its
    /// status and its last log lines, once; the member then has no instance (start it again).
    func exitedByItself() -> (status: Int32, lastLogLines: String)? {
        guard let child, !child.process.isRunning else { return nil }
        self.child = nil
        let lines = child.loggedText.split(separator: "\n", omittingEmptySubsequences: false).suffix(20)
        return (child.process.terminationStatus, lines.joined(separator: "\n"))
    }

    /// SIGKILL, as a crash would; the harness restarts it.
    func kill() async {
        guard let child else { return }
        child.kill()
        await child.stop()  // reaps it
        self.child = nil
    }

    /// SIGSTOP now; the caller sends ``resume()`` later.
    func pause() { child?.process.signal(SIGSTOP) }

    /// SIGCONT.
    func resume() { child?.process.signal(SIGCONT) }

    /// SIGTERM and the wait for a graceful exit; whether it exited with status 0.
    func stop() async -> Bool {
        guard let child else { return true }
        child.process.signal(SIGCONT)  // a paused process takes SIGTERM only once it runs
        await child.stop()
        self.child = nil
        return child.process.terminationStatus == 0
    }

    /// Resident bytes now, if it runs.
    var residentBytes: UInt64? { child.flatMap { ProcessResources.residentBytes(of: $0.process.processIdentifier) } }
}
