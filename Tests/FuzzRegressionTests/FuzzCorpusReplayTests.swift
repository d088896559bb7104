import Foundation
import FuzzTargets
import Testing

/// Runs every committed fuzz input through its target in the plain build: the seed corpus
/// (Fuzz/Corpus/TARGET/) and every input that once crashed (Fuzz/Regressions/TARGET/), so each
/// finding stays fixed.
@Suite struct FuzzCorpusReplayTests {
    /// The repository's Fuzz folder, found from this file's path.
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files in `folder/target`, or none when the folder does not exist.
    static func inputs(_ folder: String, _ target: String) throws -> [URL] {
        let directory = fuzzFolder.appendingPathComponent(folder).appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusAndRegressionsRunClean(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let corpus = try Self.inputs("Corpus", name)
        #expect(!corpus.isEmpty, "every target has a committed seed corpus in Fuzz/Corpus/\(name)")
        for file in try corpus + Self.inputs("Regressions", name) {
            let input = try [UInt8](Data(contentsOf: file))
            input.withUnsafeBytes { target.run($0) }
        }
    }

    @Test func everyCorpusFolderNamesATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: Self.fuzzFolder.appendingPathComponent("Corpus").path
        )
        for folder in folders where !folder.hasPrefix(".") {
            #expect(FuzzTarget.named(folder) != nil, "Fuzz/Corpus/\(folder) names no fuzz target")
        }
    }

    @Test func framesSplitAsDocumented() {
        let input: [UInt8] = [2, 0x00, 0x02, 0x41, 0x42, 0x43]
        let frames = input.withUnsafeBytes { FuzzFrames.split($0, maxFrames: 8).map { Array($0) } }
        #expect(frames == [[], [0x41, 0x42], [0x43]])
        let long: [UInt8] = [1, 0x81, 0x00] + [UInt8](repeating: 7, count: 256) + [9]
        let split = long.withUnsafeBytes { FuzzFrames.split($0, maxFrames: 8).map(\.count) }
        #expect(split == [256, 1])
    }
}
