import Foundation
import PackagePlugin

/// Runs zrpc-gen on `.proto` files during the build, so a package commits no generated code.
///
/// Apply it to two targets: the C target that holds the `.proto` files (protoc-c's C code is
/// compiled there, its headers and module map are that target's public interface), and each Swift
/// target that depends on that C target (the Swift messages, server protocols and client stubs are
/// compiled there). The C half needs SwiftPM 6.3's experimental generation of C by plugins, turned
/// on by `// swift-tools-version: 6.3;(experimentalCGen)` in the manifest of the package using it:
///
/// ```swift
/// .target(
///     name: "GreeterProtoC",
///     dependencies: [.product(name: "ProtobufC", package: "zrpc")],
///     resources: [.copy("greeter.proto")],
///     publicHeadersPath: ".",
///     plugins: [.plugin(name: "ZRPCGenPlugin", package: "zrpc")]
/// ),
/// .executableTarget(
///     name: "Greeter",
///     dependencies: ["GreeterProtoC", .product(name: "ZRPC", package: "zrpc")],
///     plugins: [.plugin(name: "ZRPCGenPlugin", package: "zrpc")]
/// ),
/// ```
///
/// docs/CODEGEN.md, "The build plugin", says why the C target is declared this way.
@main
struct ZRPCGenPlugin: BuildToolPlugin {
    /// The zrpc-gen commands for one target: its C code when it is a C target holding `.proto`
    /// files, the Swift code of every such C target it depends on when it is a Swift target.
    ///
    /// - Parameters:
    ///   - context: Where zrpc-gen is and where the outputs go.
    ///   - target: The target the plugin is applied to.
    /// - Throws: ``ZRPCGenPluginError`` when the target holds no `.proto` files to generate from,
    ///   or protoc-c cannot be found.
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let zrpcGen = try context.tool(named: "zrpc-gen").url
        let protocC = try ProtocCLocator.find(in: ProcessInfo.processInfo.environment)
        let commands = ZRPCGenCommands(zrpcGen: zrpcGen, protocC: protocC, output: context.pluginWorkDirectoryURL)
        switch target {
        case let target as ClangSourceModuleTarget:
            try Self.checkCGeneration(in: context.package)
            return [try commands.cCode(for: target)]
        case let target as SwiftSourceModuleTarget:
            return try commands.swiftCode(for: target)
        default:
            throw ZRPCGenPluginError("\(target.name) is neither a C nor a Swift source target")
        }
    }

    /// Stops early when the package's tools version is too old for plugins to generate C: SwiftPM
    /// would only warn that it drops the C files, and the Swift code would then fail to compile.
    /// (The `experimentalCGen` flag itself cannot be seen from a plugin; without it SwiftPM warns
    /// "C source file generation not enabled".)
    private static func checkCGeneration(in package: Package) throws {
        let version = package.toolsVersion
        guard (version.major, version.minor) < (6, 3) else { return }
        throw ZRPCGenPluginError(
            "\(package.displayName) declares swift-tools-version \(version.major).\(version.minor); generating C code "
                + "from a plugin needs `// swift-tools-version: 6.3;(experimentalCGen)` as its manifest's first line"
        )
    }
}
