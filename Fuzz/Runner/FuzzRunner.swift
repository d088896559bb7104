import Foundation
import FuzzTargets

#if ZRPC_FUZZING
    import CFuzzerDriver
#endif

/// Runs fuzz inputs through a target (FuzzTargets).
///
/// Built by Scripts/fuzz.sh with `-sanitize=fuzzer,address -D ZRPC_FUZZING`, it is the libFuzzer
/// binary: `ZRPC_FUZZ_TARGET` names the target and the arguments are libFuzzer's. In the plain
/// build it runs saved inputs (a crash libFuzzer wrote, a corpus file) through a target, to
/// reproduce a finding without the fuzzer:
///
/// ```
/// swift run zrpc-fuzz list
/// swift run zrpc-fuzz rpc-message Fuzz/Regressions/rpc-message/*
/// ```
@main
struct FuzzRunner {
    static func main() throws {
        #if ZRPC_FUZZING
            exit(runFuzzer())
        #else
            try replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    #if ZRPC_FUZZING
        /// The target this process fuzzes. `nonisolated(unsafe)`: written once, before libFuzzer starts,
        /// then only read, by libFuzzer's one thread (the C callback cannot capture it).
        nonisolated(unsafe) private static var fuzzed: FuzzTarget?

        /// Hands the process to libFuzzer (SwiftPM gives the executable this `main`, so libFuzzer's
        /// own is not linked in).
        private static func runFuzzer() -> Int32 {
            let name = ProcessInfo.processInfo.environment["ZRPC_FUZZ_TARGET"] ?? ""
            guard let target = FuzzTarget.named(name) else {
                let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
                print("set ZRPC_FUZZ_TARGET to one of: \(names) (it is \"\(name)\")")
                return 2
            }
            fuzzed = target
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                FuzzRunner.fuzzed?.run(UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }
        }
    #else
        /// Runs each file through the named target; `list` prints the targets.
        private static func replay(_ arguments: [String]) throws {
            guard let name = arguments.first, name != "list" else {
                for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
                return
            }
            guard let target = FuzzTarget.named(name) else {
                print("unknown target \(name); zrpc-fuzz list prints them")
                exit(2)
            }
            for path in arguments.dropFirst() {
                let input = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                input.withUnsafeBytes { target.run($0) }
                print("\(name): \(path) ran (\(input.count) bytes)")
            }
        }
    #endif
}
