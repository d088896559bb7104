import EchoMessages
import Foundation
import Testing
import ZRPC
import ZRPCProcessKit
import ZRPCTestKit

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

/// The child processes these tests start: ZRPCTestKit's ``ChildProcess``.
typealias ServerProcess = ChildProcess
