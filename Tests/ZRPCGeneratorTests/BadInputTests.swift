import Foundation
import Testing
import ZRPCGenerator

/// Bad input gives a clear message and a non-zero exit, never a crash.
@Suite("Bad input")
struct BadInputTests {
    /// Writes `files` into a fresh folder and runs the generator on `names` there.
    private func generate(_ files: [String: String], names: [String]? = nil) async throws -> [Generator.OutputFile] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-gen-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let options = try GeneratorOptions(
            arguments: [
                "--proto-path", folder.path, "--swift-out", folder.appendingPathComponent("swift").path,
                "--c-out", folder.appendingPathComponent("TestC").path,
            ] + (names ?? files.keys.sorted())
        )
        return try await generateOffPool(options)
    }

    private func message(_ files: [String: String], names: [String]? = nil) async throws -> String {
        let error = try await #require(throws: GeneratorError.self) { try await generate(files, names: names) }
        return error.message
    }

    @Test("a missing file")
    func missingFile() async throws {
        let text = try await message(["a.proto": "syntax = \"proto3\";"], names: ["nope.proto"])
        #expect(text.contains("nope.proto: no such file"))
    }

    @Test("a syntax error is passed through from protoc-c")
    func syntaxError() async throws {
        let text = try await message(["a.proto": "syntax = \"proto3\";\nmessage A { int32 x = }\n"])
        #expect(text.contains("protoc-c rejected the input"))
        #expect(text.contains("a.proto:2"))
    }

    @Test("proto2 is refused")
    func proto2() async throws {
        let text = try await message(["a.proto": "syntax = \"proto2\";\nmessage A { optional int32 x = 1; }\n"])
        #expect(text.contains("proto2 is not supported"))
    }

    @Test("proto3 optional is refused with protoc-c's reason")
    func proto3Optional() async throws {
        let text = try await message(["a.proto": "syntax = \"proto3\";\nmessage A { optional int32 x = 1; }\n"])
        #expect(text.contains("optional"))
    }

    @Test("a field that collides with protoc-c's count member")
    func countCollision() async throws {
        let text = try await message([
            "a.proto": "syntax = \"proto3\";\nmessage A { repeated string names = 1; int32 n_names = 2; }\n"
        ])
        #expect(text.contains("both become the C member `n_names`"))
    }

    @Test("an import that does not exist")
    func missingImport() async throws {
        let text = try await message(["a.proto": "syntax = \"proto3\";\nimport \"gone.proto\";\n"])
        #expect(text.contains("gone.proto"))
    }

    @Test(
        "command-line mistakes",
        arguments: [
            (["--swift-out", "x", "--c-out", "y", "a.proto"], "--proto-path is required"),
            (["--proto-path", "p", "a.proto"], "--swift-out or --c-out (or both) is required"),
            (["--proto-path", "p", "--c-out", "y", "--emit", "services", "a.proto"], "--swift-out is required"),
            (["--proto-path", "p", "--swift-out", "x", "--c-out", "y"], "no .proto files given"),
            (
                ["--proto-path", "p", "--swift-out", "x", "--c-out", "y", "--frobnicate", "a.proto"],
                "unknown option --frobnicate"
            ),
            (
                ["--proto-path", "p", "--swift-out", "x", "--c-out", "y", "--access", "open", "a.proto"],
                "--access must be"
            ),
            (["--proto-path"], "--proto-path needs a value"),
            (
                ["--proto-path", "p", "--swift-out", "x", "--c-out", "y", "--emit", "both", "a.proto"],
                "--emit must be all, messages or services"
            ),
            (
                ["--proto-path", "p", "--swift-out", "x", "--c-out", "y", "--c-module", "9c", "a.proto"],
                "--c-module 9c is not a valid module name"
            ),
            (
                ["--proto-path", "p", "--swift-out", "x", "--emit", "services", "--messages-module", "a-b", "a.proto"],
                "--messages-module a-b is not"
            ),
        ]
    )
    func commandLine(arguments: [String], expected: String) throws {
        let error = try #require(throws: GeneratorError.self) { try GeneratorOptions(arguments: arguments) }
        #expect(error.message.contains(expected))
    }

    @Test("a valid file generates C and Swift")
    func validFile() async throws {
        let files = try await generate(["a.proto": "syntax = \"proto3\";\npackage p;\nmessage A { string s = 1; }\n"])
        let names = files.map { URL(fileURLWithPath: $0.path).lastPathComponent }.sorted()
        #expect(names == ["a.pb-c.c", "a.pb-c.h", "a.zrpc.swift", "module.modulemap"])
        let swift = try #require(files.first { $0.path.hasSuffix(".swift") })
        #expect(swift.contents.contains("public struct P_A: Sendable, Hashable {"))
        #expect(swift.contents.contains("public var s: String = \"\""))
        #expect(swift.contents.contains("typealias CMessage = P__A"))
    }
}
