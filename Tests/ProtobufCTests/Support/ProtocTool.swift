import Foundation
import ZRPCProcessKit

/// Runs protoc (Debian's `protobuf-compiler`, which `Scripts/install-deps.sh` installs), the
/// reference implementation, as a text-format encoder and decoder.
enum ProtocTool {
    /// The package's root folder (tests run from anywhere).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `protoc --encode=TYPE`: text format in, binary out.
    static func encode(_ text: String, type: String, file: String = "test/conformance.proto") async throws -> [UInt8] {
        try await offPool { try run(["--encode=\(type)", file], input: Data(text.utf8)) }
    }

    /// `protoc --decode=TYPE`: binary in, text format out.
    static func decode(_ bytes: [UInt8], type: String, file: String = "test/conformance.proto") async throws -> String {
        String(decoding: try await offPool { try run(["--decode=\(type)", file], input: Data(bytes)) }, as: UTF8.self)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs protoc with files, not pipes, for its input and output: a pipe's end can be
    /// inherited by a process another test starts at the same moment, and then reading it to its
    /// end would wait for that process to exit.
    private static func run(_ arguments: [String], input: Data) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("protoc-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputURL = folder.appendingPathComponent("input")
        let outputURL = folder.appendingPathComponent("output")
        let errorsURL = folder.appendingPathComponent("errors")
        try input.write(to: inputURL)
        // posix_spawn directly: Foundation's Process.run() crashed in this busy test process.
        let status = try Spawn.run(
            "/usr/bin/protoc",
            arguments: ["--proto_path=\(packageRoot.appendingPathComponent("Protos").path)"] + arguments,
            input: inputURL.path,
            output: outputURL.path,
            errors: errorsURL.path
        )
        let output = try contents(of: outputURL)
        guard status == 0 else {
            let errors = (try? contents(of: errorsURL)) ?? Data()
            throw Failure(
                description:
                    "protoc \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))"
            )
        }
        return [UInt8](output)
    }

    /// A file's bytes. An empty file is not read: Foundation's `Data(contentsOf:)` leaks a 4 KiB
    /// buffer on one (LeakSanitizer, in `Scripts/leak-check.sh`).
    private static func contents(of url: URL) throws -> Data {
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        return size == 0 ? Data() : try Data(contentsOf: url)
    }
}
