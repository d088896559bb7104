import ConformanceMessages
import ProtobufC
import Testing

/// ZRPC's messages against protoc, the reference implementation: what `protoc --encode`
/// writes decodes in Swift to the expected value, and what Swift encodes `protoc --decode`
/// reads back as the same text the reference bytes give.
@Suite("Conformance with protoc")
struct ConformanceTests {
    @Test("protoc --encode decodes in Swift", arguments: Fixtures.cases)
    func referenceBytesDecode(_ fixture: Fixtures.Case) async throws {
        let reference = try await ProtocTool.encode(fixture.text, type: "zrpc.test.AllTypes")
        let decoded = try Fixtures.AllTypes(serializedBytes: reference)
        #expect(decoded == fixture.value)
    }

    @Test("Swift-encoded bytes read back with protoc --decode", arguments: Fixtures.cases)
    func swiftBytesDecodeInProtocC(_ fixture: Fixtures.Case) async throws {
        let reference = try await ProtocTool.encode(fixture.text, type: "zrpc.test.AllTypes")
        let expectedText = try await ProtocTool.decode(reference, type: "zrpc.test.AllTypes")
        let encoded = try fixture.value.serializedBytes()
        let text = try await ProtocTool.decode(encoded, type: "zrpc.test.AllTypes")
        #expect(text == expectedText)
    }

    @Test("a self-referencing tree round-trips through protoc")
    func recursiveMessage() async throws {
        let text = """
            label: "root" left { label: "l" left { label: "ll" } } right { label: "r" }
            children { label: "c1" } children { label: "c2" children { label: "c21" } }
            named { key: "x" value { label: "nx" } } alternate { label: "alt" weight: 0 }
            """
        let reference = try await ProtocTool.encode(text, type: "zrpc.test.TreeNode")
        let tree = try Zrpc_Test_TreeNode(serializedBytes: reference)
        #expect(tree.label == "root")
        #expect(tree.left?.left?.label == "ll")
        #expect(tree.right?.label == "r")
        #expect(tree.children.map(\.label) == ["c1", "c2"])
        #expect(tree.children.last?.children.first?.label == "c21")
        #expect(tree.named["x"]?.label == "nx")
        #expect(tree.extra == .alternate(Zrpc_Test_TreeNode(label: "alt", extra: .weight(0))))
        let back = try await ProtocTool.decode(try tree.serializedBytes(), type: "zrpc.test.TreeNode")
        #expect(back == (try await ProtocTool.decode(reference, type: "zrpc.test.TreeNode")))
    }

    @Test("messages that refer to each other")
    func mutualRecursion() async throws {
        let text = "count: 1 pong { note: \"a\" ping { count: 2 pong { note: \"b\" } } }"
        let reference = try await ProtocTool.encode(text, type: "zrpc.test.Ping")
        let ping = try Zrpc_Test_Ping(serializedBytes: reference)
        #expect(ping.pong?.ping?.pong?.note == "b")
        #expect(try ping.serializedBytes() == reference)
    }

    @Test("an empty message encodes to zero bytes")
    func emptyMessage() throws {
        #expect(try Zrpc_Test_Empty().serializedBytes() == [])
        #expect(try Zrpc_Test_Empty(serializedBytes: []) == Zrpc_Test_Empty())
    }

    @Test("NaN and infinities survive")
    func floatingPointSpecials() async throws {
        let reference = try await ProtocTool.encode(
            "f_double: nan f_float: -inf r_double: [inf]",
            type: "zrpc.test.AllTypes"
        )
        let decoded = try Fixtures.AllTypes(serializedBytes: reference)
        #expect(decoded.fDouble.isNaN)
        #expect(decoded.fFloat == -.infinity)
        #expect(decoded.rDouble == [.infinity])
        #expect(try decoded.serializedBytes() == reference)
    }

    @Test("packing into a caller's buffer and straight into place")
    func packIntoBuffer() throws {
        let value = Fixtures.cases[1].value
        let expected = try value.serializedBytes()
        var buffer = [UInt8](repeating: 0, count: expected.count)
        let written = try buffer.withUnsafeMutableBytes { try value.serialize(into: $0) }
        #expect(written == expected.count)
        #expect(buffer == expected)
        var small = [UInt8](repeating: 0, count: expected.count - 1)
        #expect(throws: ProtobufCError.self) {
            try small.withUnsafeMutableBytes { try value.serialize(into: $0) }
        }
        let size = try value.withPacked { $0.size }
        #expect(size == expected.count)
    }

    @Test("a string with a NUL cannot be encoded")
    func embeddedNULOnEncode() throws {
        let error = try #require(throws: ProtobufCError.self) {
            try Fixtures.AllTypes(fString: "a\u{0}b").serializedBytes()
        }
        #expect(error.code == .embeddedNUL)
        #expect(error.messageType == "zrpc.test.AllTypes")
    }
}
