/// What zrpc-gen was asked to do, parsed from its command line.
public struct GeneratorOptions: Sendable, Equatable {
    /// Which declarations a run writes (`--emit`).
    public struct Emit: Hashable, Sendable, CustomStringConvertible {
        /// The flag's value.
        public let name: String

        /// Messages, enums and services in one `NAME.zrpc.swift` per proto (the default); the
        /// file imports `ZRPC` when the proto has a service.
        public static let all = Emit(name: "all")
        /// Messages and enums only, in `NAME.zrpc.swift`: the file imports `ProtobufC` and the C
        /// module, nothing of the runtime.
        public static let messages = Emit(name: "messages")
        /// Services only, in `NAME.services.zrpc.swift`, importing `ZRPC` and `--messages-module`;
        /// no C code.
        public static let services = Emit(name: "services")

        public var description: String { name }
    }

    /// zrpc-gen's version, written into every generated file's header.
    public static let version = "0.5.0"

    /// The command line as given (without the program name), written into generated headers.
    public var arguments: [String] = []
    /// Folders searched for `.proto` files and their imports (`--proto-path`).
    public var protoPaths: [String] = []
    /// Where the Swift files go (`--swift-out`); empty: no Swift is written.
    public var swiftOut: String = ""
    /// Where protoc-c's C files go (`--c-out`): sources at the top, headers under `include/`; empty:
    /// no C is written (the C module is built elsewhere, say by the build plugin in another target).
    public var cOut: String = ""
    /// The name of the C target that builds `cOut` (`--c-module`; default: the first proto
    /// file's name in UpperCamelCase followed by `ProtoC`, e.g. `EchoProtoC` for `echo.proto`).
    public var cModule: String = ""
    /// The access level of generated declarations: `public`, `package` or `internal` (`--access`).
    public var access: String = "public"
    /// The Swift module the output is compiled into (`--swift-module`); when it is `ZRPC` itself,
    /// the generated code does not import ZRPC.
    public var swiftModule: String = ""
    /// What to write (`--emit`).
    public var emit: Emit = .all
    /// The module holding the messages, imported by `--emit services` output (`--messages-module`).
    public var messagesModule: String = ""
    /// The protoc-c executable (`--protoc-c`, default: `protoc-c` from `PATH`).
    public var protocC: String = "protoc-c"
    /// The `.proto` files to generate, relative to a proto path.
    public var files: [String] = []

    /// The usage text.
    public static let usage = """
        usage: zrpc-gen --proto-path DIR [--proto-path DIR…] [--swift-out DIR] [--c-out DIR]
                        [--c-module NAME] [--access public|package|internal] [--protoc-c PATH]
                        [--swift-module NAME] [--emit all|messages|services]
                        [--messages-module NAME] [--version]
                        FILE.proto…

        Runs protoc-c for the C code and the descriptors, then writes Swift messages, server
        protocols and client stubs. FILE paths are relative to a --proto-path; imported files are
        generated too. Swift is written when --swift-out is given, C when --c-out is (never with
        --emit services); at least one is required. docs/CODEGEN.md has the details.
        """

    /// Creates empty options.
    public init() {}

    /// Parses command-line arguments (without the program name).
    ///
    /// - Parameter arguments: The arguments, e.g. `["--proto-path", "Protos", …]`.
    /// - Throws: ``GeneratorError`` naming what is missing or unknown.
    public init(arguments: [String]) throws {
        self.arguments = arguments
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
            case "--emit": emit = Emit(name: try value(for: argument))
            case "--messages-module": messagesModule = try value(for: argument)
            case "--help", "-h": throw GeneratorError(Self.usage)
            case let flag where flag.hasPrefix("-"): throw GeneratorError("unknown option \(flag)\n\n\(Self.usage)")
            default: files.append(argument)
            }
        }
        try validate()
    }

    private mutating func validate() throws {
        if protoPaths.isEmpty { throw GeneratorError("--proto-path is required\n\n\(Self.usage)") }
        guard [Emit.all, .messages, .services].contains(emit) else {
            throw GeneratorError("--emit must be all, messages or services, not \(emit)")
        }
        if swiftOut.isEmpty && (cOut.isEmpty || emit == .services) {
            let needed = emit == .services ? "--swift-out" : "--swift-out or --c-out (or both)"
            throw GeneratorError("\(needed) is required\n\n\(Self.usage)")
        }
        if files.isEmpty { throw GeneratorError("no .proto files given\n\n\(Self.usage)") }
        if cModule.isEmpty, let first = files.first {
            let base = first.split(separator: "/").last.map { String($0.dropLast(".proto".count)) } ?? ""
            cModule = SwiftNaming.upperCamel(String(base.map { $0.isLetter || $0.isNumber ? $0 : "_" })) + "ProtoC"
        }
        guard ["public", "package", "internal"].contains(access) else {
            throw GeneratorError("--access must be public, package or internal, not \(access)")
        }
        for (flag, name) in [("--c-module", cModule), ("--messages-module", messagesModule)] where !name.isEmpty {
            guard Self.isModuleName(name) else { throw GeneratorError("\(flag) \(name) is not a valid module name") }
        }
    }

    private static func isModuleName(_ name: String) -> Bool {
        name.first.map { $0.isLetter || $0 == "_" } == true
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
