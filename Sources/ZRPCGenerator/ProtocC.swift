import Foundation
import ZRPCProcessKit

/// Runs protoc-c, the protobuf-c compiler, for C code and for descriptor sets.
struct ProtocC {
    let executable: String
    let protoPaths: [String]

    /// A generated C file, relative to the C output folder (headers under `include/`).
    struct CFile {
        let path: String
        let contents: String
    }

    /// `protoc-c --descriptor_set_out --include_imports`: the files and everything they import.
    func descriptorSet(for files: [String], in work: String) throws -> [UInt8] {
        let output = join(work, "descriptors.pb")
        try run(["--descriptor_set_out=\(output)", "--include_imports"] + files, in: work)
        guard let data = FileManager.default.contents(atPath: output) else {
            throw GeneratorError("protoc-c wrote no descriptor set")
        }
        return [UInt8](data)
    }

    /// `protoc-c --c_out`: the `.pb-c.h` and `.pb-c.c` of each file.
    func cCode(for files: [String], in work: String) throws -> [CFile] {
        let folder = join(work, "c")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try run(["--c_out=\(folder)"] + files, in: work)
        var result: [CFile] = []
        for file in files.sorted() {
            let stem = String(file.dropLast(".proto".count))
            for (suffix, target) in [(".pb-c.h", "include/" + stem + ".pb-c.h"), (".pb-c.c", stem + ".pb-c.c")] {
                guard let contents = try? String(contentsOfFile: join(folder, stem + suffix), encoding: .utf8) else {
                    throw GeneratorError("protoc-c wrote no \(stem + suffix)")
                }
                result.append(CFile(path: target, contents: contents))
            }
        }
        return result
    }

    /// Runs protoc-c with its messages going to a file in `work`, not a pipe: a pipe's end can be
    /// inherited by a process another thread starts at the same moment, and then reading it to its
    /// end would wait for that process to exit.
    private func run(_ arguments: [String], in work: String) throws {
        let messagesPath = join(work, "protoc-c-messages.txt")
        let status: Int32
        do {
            // posix_spawn directly, not Foundation's Process (see ZRPCProcessKit's Spawn).
            status = try Spawn.run(
                try locate().path,
                arguments: protoPaths.map { "--proto_path=\($0)" } + arguments,
                output: messagesPath
            )
        } catch {
            throw GeneratorError("could not run \(executable): \(error)")
        }
        guard status == 0 else {
            let message = FileManager.default.contents(atPath: messagesPath) ?? Data()
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw GeneratorError("protoc-c rejected the input:\n\(text)")
        }
    }

    private func locate() throws -> URL {
        if executable.contains("/") { return URL(fileURLWithPath: executable) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = join(String(folder), executable)
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw GeneratorError(
            "\(executable) not found in PATH; install protobuf-c-compiler (Scripts/install-deps.sh does)"
        )
    }
}

/// A folder under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = join(base, "zrpc-gen-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
