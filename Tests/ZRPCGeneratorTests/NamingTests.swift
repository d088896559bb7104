import ConformanceMessages
import ConformanceServices
import Testing
import ZRPC

@testable import ZRPCGenerator

/// protoc-c's C names and zrpc-gen's Swift names.
@Suite("Naming")
struct NamingTests {
    @Test(
        "C names follow protoc-c",
        arguments: [
            (
                "my_pkg.sub2.HTTPRequest_thing.inner_msg", "MyPkg__Sub2__HTTPRequestThing__InnerMsg",
                "my_pkg__sub2__httprequest_thing__inner_msg"
            ),
            ("a.fooBar_baz", "A__FooBarBaz", "a__foo_bar_baz"),
            ("a.a_b_C", "A__ABC", "a__a_b__c"),
            ("a.Foo2Bar", "A__Foo2Bar", "a__foo2_bar"),
            ("a.X__y", "A__XY", "a__x__y"),
        ]
    )
    func cNames(fullName: String, type: String, functions: String) {
        #expect(CNaming.typeName(fullName: fullName) == type)
        #expect(CNaming.functionPrefix(fullName: fullName) == functions)
    }

    @Test("C member names")
    func cMembers() {
        #expect(CNaming.fieldName("cStr") == "cstr")
        #expect(CNaming.fieldName("default") == "default_")
        #expect(CNaming.fieldName("int") == "int_")
        #expect(CNaming.fieldName("name") == "name")
    }

    @Test(
        "Swift member names",
        arguments: [
            ("message_type", "messageType"), ("URL", "url"), ("HTTPServer", "httpServer"), ("cStr", "cStr"),
            ("default", "`default`"), ("self", "self_"), ("a_b", "aB"), ("x__y", "xY"), ("_private", "`private`"),
            ("call_id", "callID"), ("image_url", "imageURL"), ("id", "id"),
        ]
    )
    func swiftMembers(proto: String, swift: String) {
        #expect(SwiftNaming.memberName(proto) == swift)
    }

    @Test("enum cases drop the enum's prefix")
    func enumCases() {
        #expect(
            SwiftNaming.enumCaseNames(enumName: "Color", valueNames: ["COLOR_UNSPECIFIED", "COLOR_DARK_RED"]) == [
                "unspecified", "darkRed",
            ]
        )
        #expect(SwiftNaming.enumCaseNames(enumName: "HTTPStatus", valueNames: ["HTTP_STATUS_OK"]) == ["ok"])
        #expect(SwiftNaming.enumCaseNames(enumName: "Size", valueNames: ["SIZE_1X"]) == ["size1x"])
        #expect(SwiftNaming.enumCaseNames(enumName: "Mode", valueNames: ["FAST", "DEFAULT"]) == ["fast", "`default`"])
        #expect(SwiftNaming.enumCaseNames(enumName: "E", valueNames: ["UNRECOGNIZED"]) == ["unrecognizedValue"])
    }

    @Test("type prefixes")
    func prefixes() {
        #expect(SwiftNaming.typePrefix(package: "zrpc.test", swiftPrefix: nil) == "Zrpc_Test_")
        #expect(SwiftNaming.typePrefix(package: "my_pkg.sub2", swiftPrefix: nil) == "MyPkg_Sub2_")
        #expect(SwiftNaming.typePrefix(package: "my_pkg", swiftPrefix: "Naming") == "Naming")
        #expect(SwiftNaming.typePrefix(package: "", swiftPrefix: nil) == "")
    }

    @Test("generated names compile and behave")
    func generatedNames() throws {
        var thing = NamingHTTPRequest_thing(
            int: 1,
            default: "d",
            self_: true,
            status: .notFound,
            url: "u",
            httpServer: 9
        )
        thing.choice = .cStr("c")
        thing.byName["k"] = .init(xY: 3, back: NamingHTTPRequest_thing(int: 2))
        thing.aliased = .primary
        let back = try NamingHTTPRequest_thing(serializedBytes: try thing.serializedBytes())
        #expect(back == thing)
        #expect(back.aliased == .first)
        #expect(back.byName["k"]?.back?.int == 2)
        #expect(NamingStatusCheck.ok)
    }

    @Test("service descriptors list methods with their idempotency")
    func serviceDescriptor() {
        let service = Zrpc_Test_Conformance.descriptor
        #expect(service.fullName == "zrpc.test.Conformance")
        #expect(service.methods.map(\.method) == ["Echo", "Grow", "Nothing"])
        #expect(service.method(named: "Grow")?.idempotency == .idempotent)
        #expect(service.method(named: "Nothing")?.idempotency == .noSideEffects)
        #expect(service.method(named: "Echo")?.idempotency == .unknown)
        #expect(Zrpc_Test_Conformance.Method.Grow.descriptor.fullName == "zrpc.test.Conformance/Grow")
        let input: Zrpc_Test_Conformance.Method.Echo.Input = Zrpc_Test_AllTypes()
        #expect(input == Zrpc_Test_AllTypes())
    }
}

/// A compile-time check that the enum default is the value numbered 0.
private enum NamingStatusCheck {
    static var ok: Bool {
        NamingHTTPRequest_thing().status == .unspecified && NamingHTTPStatus(rawValue: 404) == .notFound
    }
}
