import ConformanceMessages
import ProtobufC
import Testing

/// Hostile and broken bytes give a ``ProtobufCError`` with the right code: no crash, no hang.
/// (Scripts/leak-check.sh runs this suite under valgrind to show nothing leaks.)
@Suite("Malformed input")
struct MalformedInputTests {
    typealias AllTypes = Fixtures.AllTypes

    private func decodeError(
        _ bytes: [UInt8],
        limits: DecodingLimits = .defaults
    ) throws -> ProtobufCError {
        try #require(throws: ProtobufCError.self) { try AllTypes(serializedBytes: bytes, limits: limits) }
    }

    @Test("truncated input")
    func truncated() throws {
        let bytes = try AllTypes(fString: "hello", fBytes: [1, 2, 3]).serializedBytes()
        #expect(try decodeError(Array(bytes.dropLast())).code == .malformed)
        // Every prefix either decodes or fails cleanly.
        for length in 0..<bytes.count {
            _ = try? AllTypes(serializedBytes: Array(bytes.prefix(length)))
        }
    }

    @Test(
        "wrong wire type for a field",
        arguments: [
            [0x2A, 0x01, 0x78] as [UInt8],  // f_int32 (5) sent length-delimited
            [0x48, 0x01],  // f_string (9) sent as a varint
            [0x0D, 0x00, 0x00, 0x00, 0x00],  // f_double (1) sent as fixed32
        ]
    )
    func wrongWireType(_ bytes: [UInt8]) throws {
        #expect(try decodeError(bytes).code == .malformed)
    }

    @Test("over-long varint")
    func overlongVarint() throws {
        let bytes: [UInt8] = [0x28] + [UInt8](repeating: 0xFF, count: 11) + [0x01]
        #expect(try decodeError(bytes).code == .malformed)
    }

    @Test("length prefix past the end")
    func lengthPastEnd() throws {
        #expect(try decodeError([0x4A, 0x10, 0x61]).code == .malformed)
    }

    @Test(
        "length prefix beyond 2 GiB",
        arguments: [
            [0x4A, 0x81, 0x80, 0x80, 0x80, 0x08, 0x61] as [UInt8],  // 2^31 + 1
            [0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61],  // 2^32 - 1
            [0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x61],  // 2^64 - 1
        ]
    )
    func hugeLength(_ bytes: [UInt8]) throws {
        #expect(try decodeError(bytes).code == .malformed)
    }

    @Test(
        "invalid UTF-8 in a string",
        arguments: [
            [0x4A, 0x02, 0xC3, 0x28] as [UInt8],  // bad continuation byte
            [0x4A, 0x01, 0xFF],  // never valid in UTF-8
            [0x4A, 0x03, 0xED, 0xA0, 0x80],  // an encoded surrogate
            [0xEA, 0x01, 0x01, 0x80],  // in a repeated string (29)
        ]
    )
    func invalidUTF8(_ bytes: [UInt8]) throws {
        #expect(try decodeError(bytes).code == .invalidUTF8)
    }

    @Test(
        "a NUL inside a string",
        arguments: [
            [0x4A, 0x03, 0x61, 0x00, 0x62] as [UInt8],
            [0x4A, 0x01, 0x00],
            [0x4A, 0x02, 0x61, 0x00],
        ]
    )
    func embeddedNUL(_ bytes: [UInt8]) throws {
        #expect(try decodeError(bytes).code == .embeddedNUL)
    }

    @Test("deep nesting is refused before protobuf-c recurses")
    func deepNesting() throws {
        func nested(_ depth: Int) -> [UInt8] { WireBytes.nested(2, levels: depth) }  // TreeNode.left (2)
        let tooDeep = try #require(throws: ProtobufCError.self) {
            try Zrpc_Test_TreeNode(serializedBytes: nested(100_000))
        }
        #expect(tooDeep.code == .nestingTooDeep)
        let limits = DecodingLimits(maxNestingDepth: 20)
        #expect(throws: ProtobufCError.self) { try Zrpc_Test_TreeNode(serializedBytes: nested(20), limits: limits) }
        let fine = try Zrpc_Test_TreeNode(serializedBytes: nested(19), limits: limits)
        #expect(fine.left?.left != nil)
    }

    @Test("deep nesting through repeated and map fields is refused too")
    func deepNestingThroughCollections() throws {
        var bytes: [UInt8] = []
        for level in 0..<5_000 {
            if level % 2 == 0 {
                bytes = [0x22] + WireBytes.varint(UInt64(bytes.count)) + bytes  // children (4)
            } else {
                let entry = [0x0A, 0x01, 0x6B, 0x12] + WireBytes.varint(UInt64(bytes.count)) + bytes  // key "k", value
                bytes = [0x2A] + WireBytes.varint(UInt64(entry.count)) + entry  // named (5)
            }
        }
        let error = try #require(throws: ProtobufCError.self) { try Zrpc_Test_TreeNode(serializedBytes: bytes) }
        #expect(error.code == .nestingTooDeep)
    }

    @Test("a repeated-field bomb exceeds the allocation budget")
    func allocationBomb() throws {
        // 100,000 empty r_nested (37) entries: 3 bytes each on the wire, far more in memory.
        let bytes = [UInt8](repeating: 0, count: 100_000).flatMap { _ in [0xAA, 0x02, 0x00] as [UInt8] }
        let limits = DecodingLimits(allocationBudget: 1 << 20)
        let error = try decodeError(bytes, limits: limits)
        #expect(error.code == .allocationBudgetExceeded)
        #expect(error.messageType == "zrpc.test.AllTypes")
        // The same input fits a budget large enough for it.
        let decoded = try AllTypes(serializedBytes: bytes, limits: DecodingLimits(allocationBudget: 64 << 20))
        #expect(decoded.rNested.count == 100_000)
    }

    @Test("input over the size limit")
    func tooLarge() throws {
        let bytes = try AllTypes(fBytes: [UInt8](repeating: 1, count: 2_000)).serializedBytes()
        #expect(try decodeError(bytes, limits: DecodingLimits(maxMessageBytes: 1_000)).code == .tooLarge)
    }

    @Test("random garbage never crashes")
    func randomGarbage() {
        var random = SeededRandom(seed: 99)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            _ = try? AllTypes(serializedBytes: bytes)
            _ = try? Zrpc_Test_TreeNode(serializedBytes: bytes)
        }
    }

    @Test("mutated valid messages never crash")
    func mutatedMessages() async throws {
        try await offPool { try Self.mutateMessages() }
    }

    private static func mutateMessages() throws {
        var random = SeededRandom(seed: 5)
        let valid = try Fixtures.cases.map { try $0.value.serializedBytes() }.filter { !$0.isEmpty }
        for _ in 0..<5_000 {
            var bytes = valid[Int.random(in: 0..<valid.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            _ = try? AllTypes(serializedBytes: bytes)
        }
    }

    /// Decodes `bytes` as `Message`: it fails with a ``ProtobufCError`` or gives a message that
    /// encodes and decodes back to itself (so the bytes the merge rewrite makes are sound too).
    /// Returns what went wrong, if anything (the caller runs off the test's task, so it reports).
    private static func decodeOrRefuse<Message: ProtobufMessage>(_ bytes: [UInt8], as type: Message.Type) -> String? {
        let message: Message
        do {
            message = try Message(serializedBytes: bytes)
        } catch {
            return error is ProtobufCError ? nil : "\(bytes): \(type) threw \(error)"
        }
        return (try? Message(serializedBytes: try message.serializedBytes())) == message
            ? nil : "\(bytes): \(type) decoded to a message that does not round-trip"
    }

    private static func corruptions<Message: ProtobufMessage>(
        of valid: [UInt8],
        as type: Message.Type,
        flips: Int,
        random: inout SeededRandom
    ) -> [String] {
        var problems = (0..<valid.count).compactMap { decodeOrRefuse(Array(valid.prefix($0)), as: type) }
        guard !valid.isEmpty else { return problems }
        for _ in 0..<flips {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random) {
                    bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                } else {
                    bytes[position] = UInt8.random(in: 0...255, using: &random)
                }
            }
            if let problem = decodeOrRefuse(bytes, as: type) { problems.append(problem) }
        }
        return problems
    }

    @Test("every truncation and random byte flips of random valid messages never crash", arguments: 0..<4)
    func corruptedRandomMessages(seed: UInt64) async throws {
        let problems = try await offPool { try Self.corruptRandomMessages(seed: seed) }
        #expect(problems.isEmpty, "\(problems.prefix(3))")
    }

    private static func corruptRandomMessages(seed: UInt64) throws -> [String] {
        var random = SeededRandom(seed: 900 + seed)
        var problems: [String] = []
        for _ in 0..<6 {
            let message = RandomMessages.allTypes(&random)
            let bytes = try message.serializedBytes()
            problems += corruptions(of: bytes, as: AllTypes.self, flips: 300, random: &random)
            problems += corruptions(of: bytes, as: Zrpc_Test_AllTypesV1.self, flips: 100, random: &random)
            // Doubled, so that flips land in sub-messages the decoder has to merge.
            problems += corruptions(of: bytes + bytes, as: AllTypes.self, flips: 200, random: &random)
            let tree = try RandomMessages.tree(&random, depth: 5).serializedBytes()
            problems += corruptions(of: tree + tree, as: Zrpc_Test_TreeNode.self, flips: 300, random: &random)
            problems += corruptions(
                of: WireBytes.field(2, tree),
                as: Zrpc_Test_Forest.self,
                flips: 100,
                random: &random
            )
        }
        return problems
    }

    @Test("error descriptions say what went wrong")
    func description() throws {
        let error = try decodeError([0x4A, 0x10, 0x61])
        #expect(error.description.contains("zrpc.test.AllTypes"))
        #expect(error.description.contains("malformed"))
    }
}
