import Foundation
import ZRPCGenerator

/// Runs the generator, which waits for protoc-c, on a thread of its own: waiting on Swift's small
/// cooperative pool would stall every other test's tasks meanwhile.
func generateOffPool(_ options: GeneratorOptions) async throws -> [Generator.OutputFile] {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try Generator(options: options).generate() }) }.start()
    }
}
