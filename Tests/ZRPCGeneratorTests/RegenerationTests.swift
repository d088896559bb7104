import Foundation
import Testing
import ZRPCGenerator

/// The committed generated code is exactly what zrpc-gen produces from Protos/ today.
@Suite("Regeneration")
struct RegenerationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `zrpc_gen …` lines of Scripts/generate.sh, the one list of what is generated.
    static func invocations() throws -> [[String]] {
        let script = try String(contentsOf: root.appendingPathComponent("Scripts/generate.sh"), encoding: .utf8)
        return script.split(separator: "\n")
            .filter { $0.hasPrefix("zrpc_gen ") }
            .map { $0.split(separator: " ").dropFirst().map(String.init) }
    }

    @Test("Scripts/generate.sh lists the generated targets")
    func scriptHasInvocations() throws {
        #expect(try Self.invocations().count >= 2)
    }

    @Test("committed output matches a fresh run byte for byte")
    func committedOutputIsUpToDate() async throws {
        for arguments in try Self.invocations() {
            var options = try GeneratorOptions(arguments: arguments)
            options.protoPaths = options.protoPaths.map { Self.root.appendingPathComponent($0).path }
            options.swiftOut = Self.root.appendingPathComponent(options.swiftOut).path
            options.cOut = Self.root.appendingPathComponent(options.cOut).path
            let files = try await generateOffPool(options)
            #expect(!files.isEmpty)
            for file in files {
                let committed = try? String(contentsOfFile: file.path, encoding: .utf8)
                #expect(committed == file.contents, "\(file.path) is stale: run Scripts/generate.sh")
            }
        }
    }

    @Test("a oneof member is an indirect case only when its type can hold the message again")
    func oneofCasesAreIndirectOnlyWhenRecursive() async throws {
        var conformance: String?
        for arguments in try Self.invocations() {
            var options = try GeneratorOptions(arguments: arguments)
            options.protoPaths = options.protoPaths.map { Self.root.appendingPathComponent($0).path }
            let files = try await generateOffPool(options)
            conformance = conformance ?? files.first { $0.path.hasSuffix("conformance.zrpc.swift") }?.contents
        }
        let code = try #require(conformance)
        // AllTypes.Nested never leads back to AllTypes; TreeNode's `alternate` is a TreeNode.
        #expect(code.contains("        case cNested(Zrpc_Test_AllTypes.Nested)"))
        #expect(!code.contains("indirect case cNested"))
        #expect(code.contains("        indirect case alternate(Zrpc_Test_TreeNode)"))
    }

    @Test("two runs give identical output")
    func deterministic() async throws {
        let arguments = try #require(try Self.invocations().last)
        var options = try GeneratorOptions(arguments: arguments)
        options.protoPaths = options.protoPaths.map { Self.root.appendingPathComponent($0).path }
        let first = try await generateOffPool(options)
        let second = try await generateOffPool(options)
        #expect(first == second)
    }
}
