import ConformanceMessages
import ProtobufC
import Testing

/// Random messages of every kind against ZRPC itself and against protoc, the reference
/// implementation, both ways. Each protoc run handles a whole batch (`AllTypesBatch`).
@Suite("Round-trip properties")
struct RoundTripPropertyTests {
    typealias AllTypes = Fixtures.AllTypes
    typealias Batch = Zrpc_Test_AllTypesBatch

    static func messages(seed: UInt64, count: Int) -> [AllTypes] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in RandomMessages.allTypes(&random) }
    }

    @Test("random messages round-trip", arguments: 0..<8)
    func randomRoundTrip(seed: UInt64) async throws {
        let mismatches = try await offPool {
            try Self.messages(seed: seed, count: 100).filter {
                try AllTypes(serializedBytes: try $0.serializedBytes()) != $0
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("ZRPC's bytes read by protoc, and protoc's bytes read by ZRPC, give the same messages", arguments: 0..<3)
    func againstProtoc(seed: UInt64) async throws {
        let messages = Self.messages(seed: 100 + seed, count: 60)
        let text = try await ProtocTool.decode(
            try Batch(items: messages).serializedBytes(),
            type: "zrpc.test.AllTypesBatch"
        )
        let reference = try await ProtocTool.encode(text, type: "zrpc.test.AllTypesBatch")
        let back = try Batch(serializedBytes: reference).items
        #expect(back.count == messages.count)
        for (decoded, original) in zip(back, messages) {
            #expect(decoded == original)
        }
    }

    @Test("an older schema passes the fields it does not know through, for ZRPC and for protoc", arguments: 0..<3)
    func unknownFieldsAgainstProtoc(seed: UInt64) async throws {
        let messages = Self.messages(seed: 200 + seed, count: 40)
        var reencoded: [UInt8] = []
        for message in messages {
            let bytes = try message.serializedBytes()
            let older = try Zrpc_Test_AllTypesV1(serializedBytes: bytes)
            let olderBytes = try older.serializedBytes()
            #expect(try AllTypes(serializedBytes: olderBytes) == message)
            reencoded += WireBytes.field(1, olderBytes)
        }
        let original = try Batch(items: messages).serializedBytes()
        let expected = try await ProtocTool.decode(original, type: "zrpc.test.AllTypesBatch")
        #expect(try await ProtocTool.decode(reencoded, type: "zrpc.test.AllTypesBatch") == expected)
    }

    @Test("two messages' bytes one after the other merge as protoc merges them", arguments: 0..<3)
    func mergeAgainstProtoc(seed: UInt64) async throws {
        let firsts = Self.messages(seed: 300 + seed, count: 40)
        let seconds = Self.messages(seed: 400 + seed, count: 40)
        var concatenated: [UInt8] = []
        for (first, second) in zip(firsts, seconds) {
            // protoc --decode prints every entry of a map key that occurs twice, where a decoded
            // map (ZRPC's, and protoc's own) keeps the last one: keep the keys apart.
            let second = RandomMessages.withoutKeys(of: first, in: second)
            concatenated += WireBytes.field(1, try first.serializedBytes() + second.serializedBytes())
        }
        let expected = try await ProtocTool.decode(concatenated, type: "zrpc.test.AllTypesBatch")
        let merged = try Batch(serializedBytes: concatenated)
        #expect(try await ProtocTool.decode(try merged.serializedBytes(), type: "zrpc.test.AllTypesBatch") == expected)
    }

    @Test("random trees round-trip, and merge like protoc")
    func randomTrees() async throws {
        var random = SeededRandom(seed: 7)
        var concatenated: [UInt8] = []
        for index in 0..<50 {
            // Distinct map keys per tree: protoc --decode prints every entry of a key that occurs
            // twice, where a decoded map (ZRPC's, and protoc's own) keeps the last one.
            let tree = RandomMessages.tree(&random, depth: 6, keyPrefix: "\(index):")
            #expect(try Zrpc_Test_TreeNode(serializedBytes: try tree.serializedBytes()) == tree)
            concatenated += try tree.serializedBytes()
        }
        let expected = try await ProtocTool.decode(concatenated, type: "zrpc.test.TreeNode")
        let merged = try Zrpc_Test_TreeNode(serializedBytes: concatenated)
        #expect(try await ProtocTool.decode(try merged.serializedBytes(), type: "zrpc.test.TreeNode") == expected)
    }
}
