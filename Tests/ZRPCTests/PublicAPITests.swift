import Foundation
import Testing

/// The transport stays below the line: no public declaration of `ZRPC` names a type of `ZeroMQ`
/// or of a C module. The compiler enforces it once those modules are imported below `public`
/// (`internal import`, `package import`): a public declaration naming one of their types does not
/// compile. This test keeps every such import below `public`, generated files included.
@Suite("Public API")
struct PublicAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Modules ZRPC may use but never show: the transport and every C module.
    static let hidden: Set<String> = ["ZeroMQ", "CZeroMQ", "CProtobufC", "ZRPCProtocolC"]
    /// Modules the runtime does not import at all: system calls go through the ZeroMQ module.
    static let forbidden: Set<String> = ["Glibc", "Darwin", "Musl"]

    static func sources() throws -> [URL] {
        let folder = root.appendingPathComponent("Sources/ZRPC")
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        return (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
    }

    /// `(access, module)` for each import line of a file.
    static func imports(in file: URL) throws -> [(access: String, module: String)] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { return nil }
            let modifiers = words[..<index]
            guard
                modifiers.allSatisfy({
                    ["public", "package", "internal", "private", "fileprivate", "@_exported", "@preconcurrency"]
                        .contains($0)
                })
            else { return nil }
            let access =
                modifiers.contains("@_exported") ? "@_exported" : modifiers.first { !$0.hasPrefix("@") } ?? "default"
            return (access, words[index + 1])
        }
    }

    @Test("ZRPC imports ZeroMQ and the C modules below public, and no system module")
    func transportBelowTheLine() throws {
        let files = try Self.sources()
        #expect(files.count > 40)
        var checked = 0
        for file in files {
            for entry in try Self.imports(in: file) {
                let name = file.lastPathComponent
                #expect(!Self.forbidden.contains(entry.module), "\(name) imports \(entry.module)")
                guard Self.hidden.contains(entry.module) else { continue }
                checked += 1
                #expect(
                    ["internal", "package", "private", "fileprivate"].contains(entry.access),
                    "\(name): \(entry.access) import \(entry.module)"
                )
            }
        }
        #expect(checked > 10)
    }

    @Test("the check reads import lines as the compiler does")
    func parser() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("imports-\(UUID().uuidString).swift")
        defer { try? FileManager.default.removeItem(at: file) }
        try "import ZeroMQ\npackage import CZeroMQ\n@_exported import Foo\n// import Bar\nlet x = 1\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let found = try Self.imports(in: file)
        #expect(found.map(\.access) == ["default", "package", "@_exported"])
        #expect(found.map(\.module) == ["ZeroMQ", "CZeroMQ", "Foo"])
    }
}
