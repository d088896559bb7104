import ConformanceMessages
import ProtobufC
import Testing

/// Regression tests for the defects a new user found against protoc and libprotobuf-c: each
/// failed (or crashed) before its fix.
@Suite("Protobuf hardening")
struct HardeningTests {
    typealias AllTypes = Fixtures.AllTypes
    typealias Nested = Fixtures.Nested

    // MARK: Nesting depth

    /// A `Forest` (not recursive) whose tree is `levels` deep in all, counting the forest as 1.
    static func forest(depth levels: Int) -> [UInt8] {
        WireBytes.field(2, WireBytes.nested(4, levels: levels - 2))
    }

    @Test("a message that only holds a recursive type still bounds its nesting", arguments: [101, 5_000, 100_000])
    func nonRecursiveHolderBoundsDepth(levels: Int) throws {
        #expect(Zrpc_Test_Forest.needsStructureScan)
        let error = try #require(throws: ProtobufCError.self) {
            try Zrpc_Test_Forest(serializedBytes: Self.forest(depth: levels))
        }
        #expect(error.code == .nestingTooDeep)
        #expect(error.messageType == "zrpc.test.Forest")
    }

    @Test("nesting up to the limit decodes")
    func atTheLimit() throws {
        var forest = try Zrpc_Test_Forest(serializedBytes: Self.forest(depth: 100))
        var depth = 1
        var node = forest.tree
        while let current = node {
            depth += 1
            node = current.children.first
        }
        #expect(depth == 100)
        forest.name = "kept"
        #expect(try Zrpc_Test_Forest(serializedBytes: try forest.serializedBytes()).name == "kept")
    }

    @Test("a custom maxNestingDepth applies to holders of recursive types")
    func customDepth() throws {
        let limits = DecodingLimits(maxNestingDepth: 10)
        #expect(throws: Never.self) { try Zrpc_Test_Forest(serializedBytes: Self.forest(depth: 10), limits: limits) }
        let error = try #require(throws: ProtobufCError.self) {
            try Zrpc_Test_Forest(serializedBytes: Self.forest(depth: 11), limits: limits)
        }
        #expect(error.code == .nestingTooDeep)
    }

    @Test("deep nesting inside a map value or a oneof is bounded too")
    func deepInsideMapAndOneof() throws {
        let deep = WireBytes.nested(4, levels: 200)
        let inMap = WireBytes.field(5, WireBytes.field(1, Array("k".utf8)) + WireBytes.field(2, deep))
        let inOneof = WireBytes.field(6, deep)
        for bytes in [inMap, inOneof] {
            let error = try #require(throws: ProtobufCError.self) { try Zrpc_Test_TreeNode(serializedBytes: bytes) }
            #expect(error.code == .nestingTooDeep)
        }
    }

    // MARK: Strings and map keys follow the bytes

    static let composed = "\u{E9}"  // é as one code point
    static let decomposed = "e\u{301}"  // e + combining acute accent

    @Test("map keys that Swift calls equal but whose bytes differ stay two entries")
    func nonNFCMapKeys() throws {
        #expect(Self.composed == Self.decomposed)  // Swift's String equality
        var message = AllTypes()
        message.mStringInt32[Self.composed] = 1
        message.mStringInt32[Self.decomposed] = 2
        #expect(message.mStringInt32.count == 2)
        let back = try AllTypes(serializedBytes: try message.serializedBytes())
        #expect(back.mStringInt32.count == 2)
        #expect(back.mStringInt32[Self.composed] == 1)
        #expect(back.mStringInt32[Self.decomposed] == 2)
        #expect(
            Set(back.mStringInt32.keys.map { Array($0.utf8) }) == [
                Array(Self.composed.utf8), Array(Self.decomposed.utf8),
            ]
        )
    }

    @Test("map entries decoded from the wire with such keys are all kept")
    func nonNFCKeysFromTheWire() throws {
        let entry = { (key: String, value: UInt64) in
            WireBytes.field(51, WireBytes.field(1, Array(key.utf8)) + WireBytes.field(2, varint: value))
        }
        let message = try AllTypes(
            serializedBytes: entry(Self.composed, 1) + entry(Self.decomposed, 2) + entry(Self.composed, 3)
        )
        #expect(message.mStringInt32.count == 2)
        #expect(message.mStringInt32[Self.composed] == 3)  // a later entry with the same bytes wins
        #expect(message.mStringInt32[Self.decomposed] == 2)
    }

    @Test("messages compare strings by bytes")
    func stringEquality() {
        let composed = AllTypes(fString: Self.composed)
        let decomposed = AllTypes(fString: Self.decomposed)
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect(AllTypes(rString: [Self.composed]) != AllTypes(rString: [Self.decomposed]))
        #expect(AllTypes(mInt32String: [1: Self.composed]) != AllTypes(mInt32String: [1: Self.decomposed]))
        #expect(AllTypes(choice: .cString(Self.composed)) != AllTypes(choice: .cString(Self.decomposed)))
        #expect(composed == AllTypes(fString: "\u{E9}"))
    }

    // MARK: Floating point

    @Test("a message holding NaN equals itself; -0.0 and 0.0 differ, as their encodings do")
    func floatingPointEquality() {
        let nan = AllTypes(fDouble: .nan, fFloat: .nan, rDouble: [.nan], mSint64Double: [1: .nan])
        #expect(nan == nan)
        #expect(Set([nan, nan]).count == 1)
        #expect(AllTypes(fDouble: -0.0) != AllTypes(fDouble: 0.0))
        #expect(AllTypes(fFloat: -0.0) != AllTypes())
    }

    @Test("-0.0 is encoded in singular fields and map values")
    func negativeZero() throws {
        let message = AllTypes(fDouble: -0.0, fFloat: -0.0, mSint64Double: [3: -0.0])
        let bytes = try message.serializedBytes()
        #expect(bytes.count > 13)
        let back = try AllTypes(serializedBytes: bytes)
        #expect(back.fDouble.sign == .minus && back.fDouble == 0)
        #expect(back.fFloat.sign == .minus && back.fFloat == 0)
        #expect(back.mSint64Double[3]?.sign == .minus)
        #expect(back == message)
        #expect(try AllTypes(fDouble: 0.0).serializedBytes().isEmpty)
    }

    // MARK: Unknown fields

    @Test("fields an older schema does not know survive decoding and encoding")
    func unknownFieldsPassThrough() throws {
        let newer = AllTypes(
            fDouble: 1.5,
            fInt64: -7,
            fString: "kept",
            fNested: Nested(a: 3, b: "unknown to v1", inner: .init(kind: .deep)),
            rNested: [Nested(a: 1, b: "x")],
            mStringInt32: ["k": 9],
            fMaxNumber: 5,
            choice: .cString("c")
        )
        var older = try Zrpc_Test_AllTypesV1(serializedBytes: try newer.serializedBytes())
        #expect(older.fString == "kept")
        #expect(older.fNested?.a == 3)
        #expect(!older.unknownFields.isEmpty)
        #expect(older.fNested?.unknownFields.isEmpty == false)
        #expect(try AllTypes(serializedBytes: try older.serializedBytes()) == newer)

        older.fString = "changed by v1"
        var expected = newer
        expected.fString = "changed by v1"
        #expect(try AllTypes(serializedBytes: try older.serializedBytes()) == expected)
        #expect(
            older
                != Zrpc_Test_AllTypesV1(
                    fDouble: 1.5,
                    fString: "changed by v1",
                    fNested: .init(a: 3),
                    rNested: [.init(a: 1)]
                )
        )
    }

    @Test("unknown fields of every wire type are kept as bytes")
    func unknownWireTypes() throws {
        let unknown =
            WireBytes.field(200, varint: 300) + [0xC9, 0x0C] + [UInt8](repeating: 0xAB, count: 8)  // 201, 64-bit
            + WireBytes.field(202, [1, 2, 3]) + [0xDD, 0x0C, 1, 2, 3, 4]  // 202 length-delimited, 203 32-bit
        let message = try AllTypes(serializedBytes: WireBytes.field(5, varint: 4) + unknown)
        #expect(message.fInt32 == 4)
        #expect(message.unknownFields.bytes == unknown)
        #expect(try message.serializedBytes() == WireBytes.field(5, varint: 4) + unknown)
        #expect(try ProtobufUnknownFields(serializedBytes: unknown).bytes == unknown)
        #expect(throws: ProtobufCError.self) { try ProtobufUnknownFields(serializedBytes: [0xC9, 0x0C, 1]) }
    }

    @Test("a field number above 2^29 - 1 is refused; 2^29 - 1 itself is fine")
    func fieldNumberRange() throws {
        let tooLarge = try #require(throws: ProtobufCError.self) {
            try Zrpc_Test_AllTypesV1(serializedBytes: WireBytes.field(1 << 29, varint: 1))
        }
        #expect(tooLarge.code == .malformed)
        #expect(tooLarge.messageType == "zrpc.test.AllTypesV1")
        let largest = try Zrpc_Test_AllTypesV1(serializedBytes: WireBytes.field((1 << 29) - 1, varint: 1))
        #expect(try AllTypes(serializedBytes: try largest.serializedBytes()).fMaxNumber == 1)
    }

    // MARK: Merging repeated sub-messages

    @Test("a singular sub-message that occurs twice is merged")
    func mergeSingular() throws {
        let bytes =
            WireBytes.field(17, WireBytes.field(1, varint: 1))
            + WireBytes.field(17, WireBytes.field(2, Array("y".utf8)))
        #expect(try AllTypes(serializedBytes: bytes).fNested == Nested(a: 1, b: "y"))
    }

    @Test("merging recurses, concatenates repeated fields and lets later scalars win")
    func mergeDeep() throws {
        let first = try AllTypes(fInt32: 1, fNested: Nested(a: 1, b: "first", inner: .init(notes: ["a"])))
            .serializedBytes()
        let second = try AllTypes(fNested: Nested(b: "second", inner: .init(kind: .deep, notes: ["b"])))
            .serializedBytes()
        let merged = try AllTypes(serializedBytes: first + second)
        #expect(merged.fInt32 == 1)
        #expect(merged.fNested == Nested(a: 1, b: "second", inner: .init(kind: .deep, notes: ["a", "b"])))
    }

    @Test("a oneof message member that occurs twice is merged; another member in between resets it")
    func mergeOneof() throws {
        let a = WireBytes.field(65, WireBytes.field(1, varint: 1))
        let b = WireBytes.field(65, WireBytes.field(2, Array("y".utf8)))
        #expect(try AllTypes(serializedBytes: a + b).choice == .cNested(Nested(a: 1, b: "y")))
        #expect(
            try AllTypes(serializedBytes: a + WireBytes.field(61, varint: 5) + b).choice == .cNested(Nested(b: "y"))
        )
        #expect(try AllTypes(serializedBytes: a + b + WireBytes.field(61, varint: 5)).choice == .cInt32(5))
    }

    @Test("a message whose only message field is a oneof member merges it too")
    func mergeOnlyOneof() throws {
        #expect(Zrpc_Test_Choice.needsStructureScan)
        let bytes =
            WireBytes.field(1, WireBytes.field(1, varint: 1)) + WireBytes.field(1, WireBytes.field(2, Array("y".utf8)))
        #expect(try Zrpc_Test_Choice(serializedBytes: bytes).value == .nested(Nested(a: 1, b: "y")))
    }

    @Test("a map entry whose message value occurs twice has it merged")
    func mergeMapValue() throws {
        let entry =
            WireBytes.field(1, varint: 1) + WireBytes.field(2, WireBytes.field(1, varint: 1))
            + WireBytes.field(2, WireBytes.field(2, Array("y".utf8)))
        let message = try AllTypes(serializedBytes: WireBytes.field(55, entry))
        #expect(message.mBoolNested[true] == Nested(a: 1, b: "y"))
    }

    @Test("merged recursive messages keep their depth bound")
    func mergeKeepsDepthBound() throws {
        let half = WireBytes.nested(2, levels: 60)  // TreeNode.left, 60 deep
        let error = try #require(throws: ProtobufCError.self) {
            try Zrpc_Test_TreeNode(serializedBytes: half + half + WireBytes.nested(2, levels: 120))
        }
        #expect(error.code == .nestingTooDeep)
        let tree = try Zrpc_Test_TreeNode(serializedBytes: half + half)
        var depth = 1
        var node = tree.left
        while let current = node {
            depth += 1
            node = current.left
        }
        #expect(depth == 61)
    }
}
