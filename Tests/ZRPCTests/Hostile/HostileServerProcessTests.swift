import Foundation
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

/// Hostile input to a real server process (`zrpc-fault-service`), one fresh process per case: the
/// documented answer (or a counted drop), no crash, bounded memory, and a well-behaved client on
/// the same server served within its deadline the whole time (issue #24, item 5).
@Suite("Hostile input to a server process", .serialized)
struct HostileServerProcessTests {
    @Test(
        "each hostile message gets its documented answer, and the server, its memory and a good client are fine",
        arguments: HostileCase.all
    )
    func hostileMessage(_ hostile: HostileCase) async throws {
        try await Self.check(hostile)
    }

    @Test(
        "a half-close and a credit for a call that does not exist are counted as late stream messages"
    )
    func lateHalfCloseAndCredit() async throws {
        try await Self.check(HostileCase.lateHalfCloseAndCredit)
    }

    @Test(
        "a payload of 2,000,000 unknown fields holds a good client back no more than 250 ms"
    )
    func repeatedFieldsStall() async throws {
        try await Self.check(HostileCase.repeatedFieldsStall)
    }

    /// Sends the case's messages from a raw DEALER to a fresh server process while a good client
    /// calls it, and checks the answers, the counters, that it lives, its memory and the good client.
    static func check(_ hostile: HostileCase) async throws {
        try await FaultServiceProcess.with { server in
            let before = try await server.statistics()
            let (received, good) = try await server.withGoodClient {
                let raw = try RawPeer.dealer(connectedTo: server.endpoint)
                defer { raw.close() }
                for message in hostile.messages() {
                    try await raw.send(try message.map { try Frame(bytes: $0) })
                }
                return try await Self.answersBeforeProbe(on: raw, expecting: hostile.answers.count)
            }
            #expect(received.map(\.answer).sorted() == hostile.answers.sorted())
            if let text = hostile.messageContains {
                for message in received.compactMap(\.message) { #expect(message.contains(text), "\(message)") }
            }
            let after = try await server.statistics()
            var changed: [String: Int] = [:]
            for (name, value) in after where value != before[name] ?? 0 { changed[name] = value - (before[name] ?? 0) }
            #expect(changed == hostile.counted)
            try await Self.expectAlive(server)
            let peak = server.child.peakResidentBytes ?? .max
            #expect(peak - server.baselineBytes <= FaultServiceProcess.memoryBound(hostile.memoryBound))
            #expect(good.failures.isEmpty, "\(good)")
            if let bound = hostile.latencyBound { #expect(good.worstLatency <= bound, "\(good)") }
            print(
                HostileMeasurement(
                    name: hostile.name,
                    answer: hostile.documentedAnswer,
                    baselineBytes: server.baselineBytes,
                    peakBytes: peak,
                    afterBytes: server.child.residentBytes ?? 0,
                    good: good,
                    statusMessages: received.compactMap(\.message).filter { !$0.isEmpty }
                ).line
            )
        }
    }

    /// One answer on the hostile connection, with its status message for responses.
    struct Received {
        let answer: HostileCase.Answer
        let message: String?
    }

    /// Sends a good call (id 4242) after the hostile input: the server reads one connection in
    /// order, so by its answer the hostile input has been handled. Returns everything else that
    /// came back; at least `expected` answers are waited for, and a second good call (4243) must
    /// then be the next thing back (nothing more was answered).
    static func answersBeforeProbe(on raw: RawPeer, expecting expected: Int) async throws -> [Received] {
        try await raw.send(Wire.read(callID: 4242, key: "probe").map { try Frame(bytes: $0) })
        var received: [Received] = []
        var probed = false
        while !probed || received.count < expected {
            let call = try await raw.receiveCall(routed: false)
            switch call.header.kind {
            case .response(let response)? where response.callID == 4242 && !probed:
                #expect(response.statusCode == 0)
                probed = true
            case .response(let response)?:
                received.append(
                    Received(
                        answer: .response(callID: response.callID, code: response.statusCode),
                        message: response.statusMessage
                    )
                )
            case .pong(let pong)?:
                received.append(Received(answer: .pong(nonce: pong.nonce), message: nil))
            default:
                throw HostileFailure("an unexpected header came back: \(call.header)")
            }
        }
        try await raw.send(Wire.read(callID: 4243, key: "probe").map { try Frame(bytes: $0) })
        let next = try await raw.receiveCall(routed: false)
        guard case .response(let response)? = next.header.kind, response.callID == 4243 else {
            throw HostileFailure("more came back than expected: \(next.header)")
        }
        return received
    }

    /// The process runs and answers a new connection.
    static func expectAlive(_ server: FaultServiceProcess) async throws {
        #expect(server.child.process.isRunning)
        let raw = try RawPeer.dealer(connectedTo: server.endpoint)
        defer { raw.close() }
        try await raw.send(Wire.read(callID: 1, key: "alive").map { try Frame(bytes: $0) })
        let (header, _) = try await raw.receiveResponse()
        #expect(header.callID == 1 && header.statusCode == 0)
    }
}
