/// What zrpc-gen was asked to do, parsed from its command line.
public struct GeneratorOptions: Sendable, Equatable {
    /// Folders searched for `.proto` files and their imports (`--proto-path`).
    public var protoPaths: [String] = []
    /// Where the Swift files go (`--swift-out`).
    public var swiftOut: String = ""
    /// Where protoc-c's C files go (`--c-out`): sources at the top, headers under `include/`.
    public var cOut: String = ""
    /// The name of the C target that builds `cOut` (`--c-module`, default: the folder's name).
    public var cModule: String = ""
    /// The access level of generated declarations: `public`, `package` or `internal` (`--access`).
    public var access: String = "public"
    /// The Swift module the output is compiled into (`--swift-module`); when it is `ZRPC` itself,
    /// the generated code does not import ZRPC.
    public var swiftModule: String = ""
    /// The protoc-c executable (`--protoc-c`, default: `protoc-c` from `PATH`).
    public var protocC: String = "protoc-c"
    /// The `.proto` files to generate, relative to a proto path.
    public var files: [String] = []

    /// The usage text.
    public static let usage = """
        usage: zrpc-gen --proto-path DIR [--proto-path DIR…] --swift-out DIR --c-out DIR
                        [--c-module NAME] [--access public|package|internal] [--protoc-c PATH]
                        [--swift-module NAME]
                        FILE.proto…

        Runs protoc-c for the C code and the descriptors, then writes Swift messages and service
        descriptors. FILE paths are relative to a --proto-path. Imported files are generated too.
        """

    /// Creates empty options.
    public init() {}

    /// Parses command-line arguments (without the program name).
    ///
    /// - Parameter arguments: The arguments, e.g. `["--proto-path", "Protos", …]`.
    /// - Throws: ``GeneratorError`` naming what is missing or unknown.
    public init(arguments: [String]) throws {
        var remaining = arguments[...]
        func value(for flag: String) throws -> String {
            guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
                throw GeneratorError("\(flag) needs a value\n\n\(Self.usage)")
            }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--proto-path", "-I": protoPaths.append(try value(for: argument))
            case "--swift-out": swiftOut = try value(for: argument)
            case "--c-out": cOut = try value(for: argument)
            case "--c-module": cModule = try value(for: argument)
            case "--access": access = try value(for: argument)
            case "--protoc-c": protocC = try value(for: argument)
            case "--swift-module": swiftModule = try value(for: argument)
            case "--help", "-h": throw GeneratorError(Self.usage)
            case let flag where flag.hasPrefix("-"): throw GeneratorError("unknown option \(flag)\n\n\(Self.usage)")
            default: files.append(argument)
            }
        }
        if protoPaths.isEmpty { throw GeneratorError("--proto-path is required\n\n\(Self.usage)") }
        if swiftOut.isEmpty { throw GeneratorError("--swift-out is required\n\n\(Self.usage)") }
        if cOut.isEmpty { throw GeneratorError("--c-out is required\n\n\(Self.usage)") }
        if files.isEmpty { throw GeneratorError("no .proto files given\n\n\(Self.usage)") }
        if cModule.isEmpty {
            cModule = String(cOut.split(separator: "/").last ?? "")
        }
        guard ["public", "package", "internal"].contains(access) else {
            throw GeneratorError("--access must be public, package or internal, not \(access)")
        }
        guard cModule.first.map({ $0.isLetter || $0 == "_" }) == true,
            cModule.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else {
            throw GeneratorError("--c-module \(cModule) is not a valid module name")
        }
    }
}
