import Foundation
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

extension MemorySensitiveTests {
    /// Hostile input in volume to a real server process: random bytes, a thousand peers that come and
    /// go, a peer that sends and never reads. The server lives, its memory stays bounded, and a good
    /// client beside them is served within its deadline throughout (issue #24, item 5).
    @Suite("Hostile input in volume to a server process", .serialized)
    struct HostileVolumeTests {
        static let sanitized = FaultServiceProcess.sanitized

        @Test("random bytes in volume: every message dropped or answered, the server lives, a good client is served")
        func randomBytes() async throws {
            try await FaultServiceProcess.with { server in
                let before = try await server.statistics()
                let peers = 4
                let messagesPerPeer = Self.sanitized ? 250 : 1_000
                let (notZRPC, good) = try await server.withGoodClient {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for seed in 0..<peers {
                            group.addTask {
                                let raw = try RawPeer.dealer(connectedTo: server.endpoint)
                                defer { raw.close() }
                                var random = SplitMixRandom(seed: UInt64(seed) + 1)
                                var notZRPC = 0
                                for index in 0..<messagesPerPeer {
                                    // Half pure noise; half noise behind a valid delimiter and signature,
                                    // so the header decoder sees it.
                                    var frames: [[UInt8]] = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                                        (0..<Int.random(in: 0...200, using: &random)).map { _ in
                                            UInt8.random(in: 0...255, using: &random)
                                        }
                                    }
                                    if index.isMultiple(of: 2) {
                                        frames = [[], Wire.signature] + frames
                                    } else {
                                        notZRPC += 1
                                        if frames[0].isEmpty { frames[0] = [0x01] }  // not a delimiter
                                    }
                                    try await raw.send(try frames.map { try Frame(bytes: $0) })
                                }
                                // Sequenced behind the noise on this connection.
                                try await raw.send(
                                    try Wire.read(callID: 1 << 40, key: "after noise").map { try Frame(bytes: $0) }
                                )
                                while true {
                                    let call = try await raw.receiveCall(routed: false)
                                    if case .response(let response)? = call.header.kind, response.callID == 1 << 40 {
                                        #expect(response.statusCode == 0)
                                        return notZRPC
                                    }
                                }
                            }
                        }
                        return try await group.reduce(0, +)
                    }
                }
                let after = try await server.statistics()
                let malformed = (after["malformedMessages"] ?? 0) - (before["malformedMessages"] ?? 0)
                #expect(malformed >= notZRPC)
                try await HostileServerProcessTests.expectAlive(server)
                let peak = server.child.peakResidentBytes ?? .max
                #expect(peak - server.baselineBytes <= FaultServiceProcess.memoryBound(32 << 20))
                #expect(good.failures.isEmpty, "\(good)")
                print(
                    HostileMeasurement(
                        name: "random bytes: \(peers * messagesPerPeer) messages from \(peers) peers",
                        answer: "malformedMessages +\(malformed)",
                        baselineBytes: server.baselineBytes,
                        peakBytes: peak,
                        afterBytes: server.child.residentBytes ?? 0,
                        good: good
                    ).line
                )
            }
        }

        @Test("1,000 peers connect and leave: descriptors and memory come back, a good client is served")
        func thousandPeers() async throws {
            try await FaultServiceProcess.with { server in
                let descriptorsBefore = server.child.openDescriptors ?? 0
                let rounds = 10
                let peersPerRound = 100
                let (_, good) = try await server.withGoodClient {
                    try await offPool {
                        let context = try Context()
                        for round in 0..<rounds {
                            var sockets: [Socket] = []
                            for index in 0..<peersPerRound {
                                let socket = try Socket(context, type: .dealer)
                                try socket.set(.linger, .zero)
                                try socket.set(.sendTimeout, .seconds(5))
                                try socket.set(.receiveTimeout, .seconds(5))
                                try socket.connect(server.endpoint)
                                let frames = try Wire.read(callID: UInt64(round * peersPerRound + index + 1)).map {
                                    try Frame(bytes: $0)
                                }
                                _ = try socket.send(frames)
                                sockets.append(socket)
                            }
                            // Half of them wait for their answer; the other half leave without it.
                            for socket in sockets.enumerated().filter({ $0.offset.isMultiple(of: 2) }).map(\.element) {
                                guard try socket.receive() != nil else { throw HostileFailure("a peer got no answer") }
                            }
                            for socket in sockets { socket.close() }
                        }
                    }
                }
                // The server notices each disconnection and closes its descriptor.
                let settledDescriptors = await eventually(within: .seconds(10)) {
                    (server.child.openDescriptors ?? .max) <= descriptorsBefore + 8
                }
                #expect(settledDescriptors, "descriptors \(descriptorsBefore) → \(server.child.openDescriptors ?? -1)")
                try await HostileServerProcessTests.expectAlive(server)
                let peak = server.child.peakResidentBytes ?? .max
                #expect(peak - server.baselineBytes <= FaultServiceProcess.memoryBound(32 << 20))
                #expect(good.failures.isEmpty, "\(good)")
                print(
                    HostileMeasurement(
                        name: "\(rounds * peersPerRound) peers connecting and leaving (\(peersPerRound) at a time)",
                        answer:
                            "answers to gone peers dropped; descriptors \(descriptorsBefore) → \(server.child.openDescriptors ?? -1)",
                        baselineBytes: server.baselineBytes,
                        peakBytes: peak,
                        afterBytes: server.child.residentBytes ?? 0,
                        good: good
                    ).line
                )
            }
        }

        @Test("a peer that sends and never reads: memory stays bounded, the server lives, a good client is served")
        func neverReads() async throws {
            try await Self.neverReadingPeer(calls: 1_000, memoryBound: 64 << 20, expectMemoryReturned: false)
        }

        @Test(
            "a peer that never reads cannot make the server hold more than a bounded amount for it"
        )
        func neverReadsBounded() async throws {
            // The queues hold 1,000 messages each way (32 MiB of 16 KiB payloads) plus the calls in
            // flight; peaks seen +36 to +66 MiB, against +80 to +127 MiB before the queues were bounded.
            try await Self.neverReadingPeer(calls: 4_000, memoryBound: 72 << 20, expectMemoryReturned: false)
        }

        @Test("memory comes back after a burst from a peer that never reads")
        func memoryReturnedAfterBurst() async throws {
            try await Self.neverReadingPeer(calls: 1_000, memoryBound: 64 << 20, expectMemoryReturned: true)
        }

        /// A raw DEALER sends `calls` calls with 16 KiB payloads (the reply echoes them) as fast as it
        /// can, reads nothing, stays until they have all run, and leaves; a good client calls the same
        /// server meanwhile.
        static func neverReadingPeer(calls: Int, memoryBound: Int, expectMemoryReturned: Bool) async throws {
            try await FaultServiceProcess.with { server in
                let before = try await server.statistics()
                let payload = [UInt8](repeating: 0x61, count: 16 << 10)
                let context = try Context()
                let peer = try OneThreadAtATime(Socket(context, type: .dealer))
                let socket = peer.socket
                try socket.set(.linger, .zero)
                try socket.set(.sendTimeout, .seconds(5))
                try socket.connect(server.endpoint)
                let (_, good) = try await server.withGoodClient {
                    try await offPool {
                        let request = ProtoBytes().string(1, "never read").bytes(2, payload).bytes
                        for callID in 1...calls {
                            let frames = [[], Wire.signature, Wire.requestHeader(callID: UInt64(callID)), request]
                            guard try peer.socket.send(try frames.map { try Frame(bytes: $0) }) else {
                                throw HostileFailure("the server stopped reading the peer that never reads")
                            }
                        }
                    }
                    // Every call has run (and its answer is queued or dropped) while the peer stays.
                    let handled = await eventually(within: .seconds(30)) {
                        ((try? await server.faultyCalls()) ?? 0) >= calls
                    }
                    #expect(handled)
                }
                let held = server.child.residentBytes ?? 0
                socket.close()
                let peak = server.child.peakResidentBytes ?? .max
                // Memory comes back once the peer is gone and its queued answers are dropped.
                var returned = true
                if expectMemoryReturned {
                    returned = await eventually(within: .seconds(10)) {
                        (server.child.residentBytes ?? .max) - server.baselineBytes
                            <= FaultServiceProcess.memoryBound(8 << 20)
                    }
                }
                let after = try await server.statistics()
                try await HostileServerProcessTests.expectAlive(server)
                #expect(peak - server.baselineBytes <= FaultServiceProcess.memoryBound(memoryBound))
                #expect(returned, "resident \(server.child.residentBytes ?? -1), baseline \(server.baselineBytes)")
                #expect(good.failures.isEmpty, "\(good)")
                let undeliverable = (after["undeliverableResponses"] ?? 0) - (before["undeliverableResponses"] ?? 0)
                let releases = (after["memoryReleases"] ?? 0) - (before["memoryReleases"] ?? 0)
                if expectMemoryReturned { #expect(releases >= 1, "the server never handed memory back") }
                print(
                    HostileMeasurement(
                        name: "a peer that sends \(calls) calls of 16 KiB and never reads",
                        answer: "undeliverableResponses +\(undeliverable), memoryReleases +\(releases)",
                        baselineBytes: server.baselineBytes,
                        peakBytes: peak,
                        afterBytes: server.child.residentBytes ?? 0,
                        good: good
                    ).line + " | resident while the peer stayed \(held >> 20) MiB"
                )
            }
        }
    }
}

/// Runs blocking socket work on a thread of its own: blocking Swift's small cooperative pool would
/// starve the good client's calls.
func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A socket handed to a helper thread and back.
final class OneThreadAtATime: @unchecked Sendable {
    // Safe: the test uses the socket only before it starts the helper thread and after it waits
    // for it to finish; the helper uses it only in between.
    let socket: Socket
    init(_ socket: Socket) { self.socket = socket }
}
