import Foundation
import Testing
import ZRPC
import ZRPCQueue

/// CURVE on a PUSH/PULL pipeline: the bound receiver is the CURVE server, with the allowed
/// sender's key on its allow-list; a stranger's messages never arrive (docs/SECURITY.md).
@Suite("CURVE on pipelines", .timeLimit(.minutes(1)))
struct CurvePipelineTests {
    @Test("an allowed sender delivers over CURVE, a stranger cannot")
    func allowedSenderOnly() async throws {
        let server = try CurveKeys.generate()
        let sender = try CurveKeys.generate()
        let stranger = try CurveKeys.generate()
        var receiverConfiguration = PipelineReceiverConfiguration()
        receiverConfiguration.security = .curveServer(
            keys: server,
            allowList: try CurveAllowList(keys: [sender.publicKey])
        )
        let receiver = try await PipelineReceiver<Job>(bind: "tcp://127.0.0.1:*", configuration: receiverConfiguration)
        var senderConfiguration = PipelineSenderConfiguration()
        senderConfiguration.security = try .curveClient(keys: sender, serverPublicKey: server.publicKey)
        let allowed = try await PipelineSender<Job>(connect: receiver.endpoints, configuration: senderConfiguration)
        var strangerConfiguration = PipelineSenderConfiguration()
        strangerConfiguration.security = try .curveClient(keys: stranger, serverPublicKey: server.publicKey)
        let outsider = try await PipelineSender<Job>(connect: receiver.endpoints, configuration: strangerConfiguration)

        // The stranger's connection never completes, so its message waits (sends go only to
        // connected receivers) and is never delivered.
        _ = try? await within(.milliseconds(300)) { try await outsider.send(job(-1)) }
        let sent = (0..<50).map(job)
        for message in sent { try await allowed.send(message) }
        #expect(try await receive(sent.count, from: receiver) == sent)
        #expect(receiver.statistics.received == 50)
        await outsider.close()
        await allowed.close()
        await receiver.close()
    }
}
