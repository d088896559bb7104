import EchoMessages
import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit
import ZeroMQ

@testable import ZRPCPubSub

/// Cache correctness across processes: CacheInvalidators of one cache in two places (A writes, B
/// reads), through a `zrpc-forwarder` process; B reads from a server whose values A changes.
@Suite(.serialized)
struct CacheInvalidationTests {
    /// The server's values: `say(text: key)` answers the key's value and version, and counts.
    final class Board: Echo_Echo.ServiceProtocol, Sendable {
        let values = Mutex<[String: (text: String, version: Int64)]>([:])
        let reads = Atomic<Int>(0)

        func set(_ key: String, _ text: String, version: Int64) { values.withLock { $0[key] = (text, version) } }

        func say(_ request: Echo_EchoRequest, context: ServerContext) async throws -> Echo_EchoReply {
            reads.add(1, ordering: .relaxed)
            let value = values.withLock { $0[request.text] ?? (text: "", version: 0) }
            return Echo_EchoReply(text: value.text, sequence: value.version)
        }
    }

    /// One process's side: a cache in front of the server, and its invalidator.
    struct Side {
        let cache: CacheInterceptor
        let invalidator: CacheInvalidator
        let client: Client
        let running: Task<Void, any Error>
        var stub: Echo_Echo.Client { Echo_Echo.Client(wrapping: client) }

        static func start(_ server: InProcessServer, _ forwarder: ForwarderProcess) async throws -> Side {
            let cache = try CacheInterceptor(methods: [Echo_Echo.Method.Say.descriptor], timeToLive: .seconds(600))
            let invalidator = try await CacheInvalidator(
                name: "board",
                cache: cache,
                publishTo: forwarder.publishers,
                subscribeTo: forwarder.subscribers
            )
            let client = try Client(calling: server, configuration: .init(endpoints: [], interceptors: [cache]))
            let running = Task { try await client.run() }
            return Side(cache: cache, invalidator: invalidator, client: client, running: running)
        }

        func stop() async {
            client.beginGracefulShutdown()
            _ = await running.result
            await invalidator.close()
        }
    }

    static func read(_ side: Side, _ key: String = "k") async throws -> Echo_EchoReply {
        try await side.stub.say(Echo_EchoRequest(text: key))
    }

    /// 200 writes by A, each carried to B with its value: once B has applied a write it serves the
    /// new value, never the old one, and without asking the server. Prints the propagation delay.
    @Test func aWriteReachesTheOtherProcessAndTheOldValueIsNeverServedAgain() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let board = Board()
        let server = InProcessServer(services: [board])
        let writer = try await Side.start(server, forwarder)
        let reader = try await Side.start(server, forwarder)
        board.set("k", "v0", version: 0)
        #expect(try await Self.read(reader).text == "v0")
        let serverReads = board.reads.load(ordering: .relaxed)
        try await within(.seconds(60), "200 writes") {
            for version in 1...200 {
                board.set("k", "v\(version)", version: Int64(version))
                try writer.cache.update(
                    Echo_Echo.Method.Say.descriptor,
                    request: Echo_EchoRequest(text: "k"),
                    response: Echo_EchoReply(text: "v\(version)", sequence: Int64(version)),
                    version: UInt64(version)
                )
                while reader.invalidator.statistics.applied < version {
                    // Until the change arrives B may serve the old value; never anything older.
                    let served = try await Self.read(reader)
                    #expect(served.sequence >= Int64(version - 1))
                    try await Task.sleep(for: .microseconds(200))
                }
                #expect(try await Self.read(reader).text == "v\(version)")
            }
        }
        #expect(board.reads.load(ordering: .relaxed) == serverReads)  // every new value came with its change
        let statistics = reader.invalidator.statistics
        #expect(statistics.applied == 200)
        #expect(statistics.flushes == 0)
        #expect(writer.invalidator.statistics.published == 200)
        let delays = statistics.propagationDelays.sorted()
        let p50 = delays[delays.count / 2]
        let p99 = delays[delays.count * 99 / 100]
        print("cache invalidation propagation over \(delays.count) writes: p50 \(p50) p99 \(p99)")
        await writer.stop()
        await reader.stop()
    }

    /// The writer in another process: 300 versioned writes, 2 ms apart. B reads all along; what it
    /// serves never goes back to an older version, and once it has applied a write it never serves
    /// anything older than it. Prints the propagation delay.
    @Test func aWriterInAnotherProcess() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let board = Board()
        let server = InProcessServer(services: [board])
        let reader = try await Side.start(server, forwarder)
        #expect(try await Self.read(reader).sequence == 0)
        let writer = try await ChildProcess.start(
            "zrpc-test-publisher",
            arguments: [
                forwarder.publishers, "--invalidate", "board", "--subscribe", forwarder.subscribers, "--count", "300",
            ]
        )
        defer { Task { await writer.stop() } }
        let served = try await within(.seconds(60), "300 writes from the other process") {
            var served: [Int64] = []
            while true {
                let applied = reader.invalidator.statistics.applied
                let version = try await Self.read(reader).sequence
                #expect(version >= Int64(applied), "served version \(version) after applying \(applied)")
                served.append(version)
                if applied == 300 { return served }
                try await Task.sleep(for: .microseconds(500))
            }
        }
        #expect(zip(served, served.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(served.last == 300)
        #expect(reader.invalidator.statistics.flushes == 0)
        let delays = reader.invalidator.statistics.propagationDelays.sorted()
        print(
            "cache invalidation across processes, \(delays.count) writes: p50 \(delays[delays.count / 2])"
                + " p99 \(delays[delays.count * 99 / 100])"
        )
        await reader.stop()
    }

    /// A drop (no value) makes B ask the server again; a change older than the last applied is
    /// ignored, so a late invalidation cannot undo a newer write.
    @Test func dropsRefetchAndOlderVersionsAreIgnored() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let board = Board()
        let server = InProcessServer(services: [board])
        let writer = try await Side.start(server, forwarder)
        let reader = try await Side.start(server, forwarder)
        let say = Echo_Echo.Method.Say.descriptor
        let request = Echo_EchoRequest(text: "k")
        board.set("k", "v1", version: 1)
        #expect(try await Self.read(reader).text == "v1")
        board.set("k", "v2", version: 2)
        try writer.cache.invalidate(say, request: request, version: 2)
        try await within(.seconds(10), "the drop") {
            while reader.invalidator.statistics.applied < 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        let before = board.reads.load(ordering: .relaxed)
        #expect(try await Self.read(reader).text == "v2")
        #expect(board.reads.load(ordering: .relaxed) == before + 1)
        try writer.cache.update(say, request: request, response: Echo_EchoReply(text: "v9", sequence: 9), version: 9)
        // A process that saw version 5 only now publishes it: it must not undo version 9.
        try await within(.seconds(10), "version 9") {
            while reader.invalidator.statistics.applied < 2 { try await Task.sleep(for: .milliseconds(1)) }
        }
        reader.cache.apply(
            CacheChange(method: say.fullName, request: try request.serializedBytes(), response: nil, version: 5)
        )
        #expect(try await Self.read(reader).text == "v9")
        #expect(board.reads.load(ordering: .relaxed) == before + 1)
        // A flush of the whole cache in one process flushes the others too.
        writer.cache.invalidateAll()
        try await within(.seconds(10), "the flush") {
            while reader.invalidator.statistics.flushesByOthers < 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        board.set("k", "v10", version: 10)
        #expect(try await Self.read(reader).text == "v10")
        #expect(reader.invalidator.statistics.flushes == 0)  // not a loss
        await writer.stop()
        await reader.stop()
    }

    /// An invalidation dropped on its way (a raw publisher skips a sequence number) flushes B's
    /// cache instead of letting it serve what that invalidation would have dropped.
    @Test func aLostInvalidationFlushesTheCache() async throws {
        let forwarder = try await ForwarderProcess.start()
        defer { Task { await forwarder.process.stop() } }
        let board = Board()
        let server = InProcessServer(services: [board])
        let reader = try await Side.start(server, forwarder)
        board.set("k", "v1", version: 1)
        #expect(try await Self.read(reader).text == "v1")
        // A raw publisher of changes on the topic, once the forwarder has told it the subscriptions.
        let context = try Context()
        let raw = try Socket(context, type: .xpublish)
        defer { raw.close() }
        try raw.set(.receiveTimeout, .seconds(5))
        try raw.connect(forwarder.publishers)
        var subscribed = false
        while !subscribed, let frames = try raw.receive(maxFrames: 1) {
            subscribed = frames[0].bytes == [1] + Array("zrpc-cache.board.changes".utf8)
        }
        #expect(subscribed)
        let id = PublisherID.random()
        func send(sequence: UInt64, version: UInt64) throws {
            let change = Zrpc_Pubsub_CacheInvalidation(
                cache: "board",
                method: Echo_Echo.Method.Say.descriptor.fullName,
                request: try Echo_EchoRequest(text: "other").serializedBytes(),
                version: version
            )
            let payload = try change.serializedBytes()
            let header = try PubSubWire.headerFrame(
                kind: .event,
                publisher: id,
                sequence: sequence,
                timestampMicros: PubSubWire.nowMicros(),
                metadata: [:]
            )
            _ = try raw.send([try Frame("zrpc-cache.board.changes"), header, try Frame(bytes: payload)])
        }
        try send(sequence: 1, version: 1)
        try await within(.seconds(10), "the first change") {
            while reader.invalidator.statistics.applied < 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(reader.invalidator.statistics.flushes == 0)
        try send(sequence: 3, version: 3)  // 2 was "lost"
        try await within(.seconds(10), "the flush") {
            while reader.invalidator.statistics.flushes < 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        board.set("k", "v2", version: 2)
        #expect(try await Self.read(reader).text == "v2")  // not the cached v1
        #expect(reader.cache.flushes == 1)
        await reader.stop()
    }

    /// When the connection to the forwarder is lost, B flushes: changes sent meanwhile are lost.
    @Test func aLostConnectionFlushesTheCache() async throws {
        let forwarder = try await ForwarderProcess.start()
        let board = Board()
        let server = InProcessServer(services: [board])
        let reader = try await Side.start(server, forwarder)
        board.set("k", "v1", version: 1)
        #expect(try await Self.read(reader).text == "v1")
        forwarder.process.kill()
        try await within(.seconds(20), "the flush") {
            while reader.invalidator.statistics.flushes < 1 { try await Task.sleep(for: .milliseconds(5)) }
        }
        board.set("k", "v2", version: 2)
        #expect(try await Self.read(reader).text == "v2")
        await reader.stop()
    }
}
