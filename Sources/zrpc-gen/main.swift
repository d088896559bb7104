import Foundation
import ZRPCGenerator

// zrpc-gen: `.proto` files in, protoc-c C code plus Swift messages, server protocols and client
// stubs out. See `zrpc-gen --help` and docs/CODEGEN.md.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--version"] {
    print("zrpc-gen \(GeneratorOptions.version)")
    exit(0)
}
do {
    let options = try GeneratorOptions(arguments: arguments)
    let files = try Generator(options: options).generate()
    try Generator.write(files)
} catch {
    FileHandle.standardError.write(Data("zrpc-gen: \(error)\n".utf8))
    exit(1)
}
