import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCProcessKit

/// Two echo-server processes behind one client: both receive calls.
@Suite("Across processes")
struct MultiProcessTests {
    @Test("two server processes behind one client both receive calls")
    func twoServers() async throws {
        let first = try await ServerProcess.start("echo-server")
        let second = try await ServerProcess.start("echo-server")
        let clientRunning = try RunningClient.start(
            configuration: .init(endpoints: [first.endpoint, second.endpoint], defaultTimeout: .seconds(5))
        )
        let client = clientRunning.client
        let echo = Echo_Echo.Client(wrapping: client)
        var servedBy: Set<String> = []
        for sequence in 1...20 {
            let reply = try await echo.say(.init(text: "hi", sequence: Int64(sequence)))
            #expect(reply.sequence == Int64(sequence))
            servedBy.insert(reply.servedBy)
        }
        #expect(servedBy.count == 2, "served by \(servedBy)")
        await clientRunning.cancel()
        await first.stop()
        await second.stop()
    }

    @Test("a server child exits when its parent's end of the standard-input pipe closes")
    func exitsWithParent() async throws {
        let server = try await ServerProcess.start("echo-server")
        // What the kernel does when the test runner dies, even by SIGKILL.
        try server.parentLink.close()
        #expect(await server.exitsByItself(within: .seconds(10)))
        #expect(server.process.terminationStatus == 0)
        await server.stop()
    }
}

/// A server child process (`echo-server`, `zrpc-fault-service`) bound to a free port on 127.0.0.1.
final class ServerProcess: @unchecked Sendable {
    // Only the test that started it touches it (start, endpoint, stop).
    let process: Process
    let endpoint: String
    /// The write end of the child's standard input; the child exits when it closes.
    let parentLink: FileHandle

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts the process and waits for its endpoint, on a thread of its own: blocking reads
    /// on Swift's small cooperative pool would starve the other tests running in parallel.
    static func start(_ name: String) async throws -> ServerProcess {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try startBlocking(name) }) }.start()
        }
    }

    private static func startBlocking(_ name: String) throws -> ServerProcess {
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
        let process = Process()
        process.executableURL = executable
        process.arguments = ["tcp://127.0.0.1:*"]
        // The child exits when this link closes: it never outlives a killed test runner.
        let parentLink = try ExitWithParent.link(process)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line names the bound endpoint; bounded by the process exiting or 10 s.
        var line = Data()
        let deadline = Date().addingTimeInterval(10)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"tcp://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            process.terminate()
            throw StartFailure(description: "\(name) did not report an endpoint: \(text)")
        }
        return ServerProcess(process: process, endpoint: String(text[range]), parentLink: parentLink)
    }

    private init(process: Process, endpoint: String, parentLink: FileHandle) {
        self.process = process
        self.endpoint = endpoint
        self.parentLink = parentLink
    }

    /// Waits up to `timeout` for the process to exit without being asked; terminates it and
    /// returns false if it does not.
    func exitsByItself(within timeout: Duration) async -> Bool {
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

    /// Stops the process (SIGTERM) and waits for it to exit, on a thread of its own.
    func stop() async {
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
