import Foundation

/// Runs protoc-c, the reference implementation, as a text-format encoder and decoder.
enum ProtocCTool {
    /// The package's root folder (tests run from anywhere).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `protoc-c --encode=TYPE`: text format in, binary out.
    static func encode(_ text: String, type: String, file: String = "test/conformance.proto") throws -> [UInt8] {
        try run(["--encode=\(type)", file], input: Data(text.utf8))
    }

    /// `protoc-c --decode=TYPE`: binary in, text format out.
    static func decode(_ bytes: [UInt8], type: String, file: String = "test/conformance.proto") throws -> String {
        String(decoding: try run(["--decode=\(type)", file], input: Data(bytes)), as: UTF8.self)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static func run(_ arguments: [String], input: Data) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/protoc-c")
        process.arguments = ["--proto_path=\(packageRoot.appendingPathComponent("Protos").path)"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "protoc-c \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return [UInt8](output)
    }
}
