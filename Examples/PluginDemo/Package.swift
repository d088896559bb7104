// swift-tools-version: 6.3;(experimentalCGen)
// `experimentalCGen` lets a build plugin add C code to a C target (SwiftPM 6.3); ZRPCGenPlugin needs it
// for protoc-c's output. docs/CODEGEN.md, "The build plugin", has the details.
import PackageDescription

let package = Package(
    name: "PluginDemo",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Your package: .package(url: "https://github.com/your-org/zrpc.git", branch: "main")
        .package(name: "zrpc", path: "../..")
    ],
    targets: [
        // The .proto files and protoc-c's C code, generated during the build.
        .target(
            name: "GreeterProtoC",
            dependencies: [.product(name: "ProtobufC", package: "zrpc")],
            resources: [.copy("greeter.proto")],
            publicHeadersPath: ".",
            plugins: [.plugin(name: "ZRPCGenPlugin", package: "zrpc")]
        ),
        // Your code, plus the Swift messages, server protocol and client stub, generated during the build.
        .executableTarget(
            name: "PluginDemo",
            dependencies: [
                "GreeterProtoC",
                .product(name: "ZRPC", package: "zrpc"),
                .product(name: "ProtobufC", package: "zrpc"),
            ],
            plugins: [.plugin(name: "ZRPCGenPlugin", package: "zrpc")]
        ),
    ]
)
