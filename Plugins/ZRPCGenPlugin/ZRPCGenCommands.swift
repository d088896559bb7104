import Foundation
import PackagePlugin

/// The zrpc-gen command lines the plugin asks SwiftPM to run, with the files each one writes.
struct ZRPCGenCommands {
    /// The zrpc-gen executable, built from this package.
    let zrpcGen: URL
    /// The protoc-c executable zrpc-gen runs.
    let protocC: URL
    /// The plugin's output folder for the target being built.
    let output: URL

    /// zrpc-gen's scratch files (protoc-c's raw output) go under the plugin's own folder, which a
    /// build command may write to wherever SwiftPM sandboxes it.
    private var scratchEnvironment: [String: String] { ["TMPDIR": output.appending(path: "tmp").path] }

    /// protoc-c's C code for the `.proto` files of a C target: `NAME.pb-c.c`, and under
    /// `include/` (the target's generated public headers) `NAME.pb-c.h` and `module.modulemap`.
    ///
    /// - Parameter target: A C target that holds `.proto` files.
    /// - Throws: ``ZRPCGenPluginError`` when it holds none.
    func cCode(for target: ClangSourceModuleTarget) throws -> Command {
        let protos = try ProtoFiles(in: target.directoryURL)
        guard !protos.paths.isEmpty else {
            throw ZRPCGenPluginError(
                "\(target.name) holds no .proto files; the plugin generates a C target's code from its own .proto files"
            )
        }
        let include = output.appending(path: "include")
        let outputs =
            protos.stems.flatMap { [output.appending(path: $0 + ".pb-c.c"), include.appending(path: $0 + ".pb-c.h")] }
            + [include.appending(path: "module.modulemap")]
        return .buildCommand(
            displayName: "zrpc-gen: C code for \(target.name) from \(protos.paths.joined(separator: ", "))",
            executable: zrpcGen,
            arguments: [
                "--proto-path", protos.folder.path, "--c-out", output.path, "--c-module", target.moduleName,
                "--protoc-c", protocC.path,
            ] + protos.paths,
            environment: scratchEnvironment,
            inputFiles: protos.urls,
            outputFiles: outputs
        )
    }

    /// The Swift code (messages, server protocols, client stubs) for the `.proto` files of each C
    /// target that `target` depends on directly, one command per C target.
    ///
    /// - Parameter target: A Swift target that depends on C targets holding `.proto` files.
    /// - Throws: ``ZRPCGenPluginError`` when it depends on none, or holds `.proto` files itself.
    func swiftCode(for target: SwiftSourceModuleTarget) throws -> [Command] {
        if !(try ProtoFiles(in: target.directoryURL).paths.isEmpty) {
            throw ZRPCGenPluginError(
                "\(target.name) holds .proto files, but a Swift target cannot compile their C code: move them into "
                    + "a C target, apply ZRPCGenPlugin to it too, and depend on it (docs/CODEGEN.md)"
            )
        }
        var commands: [Command] = []
        for case .target(let dependency as ClangSourceModuleTarget) in target.dependencies {
            let protos = try ProtoFiles(in: dependency.directoryURL)
            guard !protos.paths.isEmpty else { continue }
            let folder = output.appending(path: dependency.moduleName)
            commands.append(
                .buildCommand(
                    displayName: "zrpc-gen: Swift code for \(target.name) from \(dependency.name)",
                    executable: zrpcGen,
                    arguments: [
                        "--proto-path", protos.folder.path, "--swift-out", folder.path,
                        "--c-module", dependency.moduleName, "--protoc-c", protocC.path,
                    ] + protos.paths,
                    environment: scratchEnvironment,
                    inputFiles: protos.urls,
                    outputFiles: protos.stems.map { folder.appending(path: $0 + ".zrpc.swift") }
                )
            )
        }
        guard !commands.isEmpty else {
            throw ZRPCGenPluginError(
                "\(target.name) depends on no C target holding .proto files; the plugin generates a Swift target's "
                    + "code from the .proto files of the C targets it depends on (docs/CODEGEN.md)"
            )
        }
        return commands
    }
}
