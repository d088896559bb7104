import Foundation
import ZRPCGenerator

// zrpc-gen: `.proto` files in, protoc-c C code plus Swift messages and service descriptors out.
// See `zrpc-gen --help` and docs/CODEGEN.md.
do {
    let options = try GeneratorOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    let files = try Generator(options: options).generate()
    try Generator.write(files)
} catch {
    FileHandle.standardError.write(Data("zrpc-gen: \(error)\n".utf8))
    exit(1)
}
