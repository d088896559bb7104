import Foundation
import Testing
import ZRPCTestKit

/// The short soak of issue #19: `zrpc-soak` runs the whole cluster for half a minute while workers,
/// the broker and RPC services are killed and processes paused, then drains and checks the books.
@Suite struct ShortSoakTests {
    @Test func halfAMinuteWithKillsLosesNothingAndRunsNoEffectTwice() async throws {
        try await withTemporaryDirectory { directory in
            let report = directory.appendingPathComponent("report").path
            let soak = try await ChildProcess.runToEnd(
                "zrpc-soak",
                arguments: [
                    "--seconds", "30", "--warm-up-seconds", "5", "--concurrency", "4",
                    "--kill-worker-every", "5-7", "--kill-broker-every", "12-15", "--kill-rpc-every", "9-11",
                    "--pause-every", "10-12", "--report", report,
                ],
                within: .seconds(240)
            )
            let lines = soak.output.split(separator: "\n")
            let last = String(lines.last ?? "")
            let match = try #require(
                last.wholeMatch(
                    of:
                        /soak: issued=(\d+) acked=(\d+) dead_lettered=(\d+) lost=(\d+) unexpected=(\d+) duplicate_effects=(\d+) rss_growth=-?[0-9.]+%/
                ),
                "last line: \(last)"
            )
            #expect(soak.status == 0, "\(soak.output)")
            #expect(Int(match.1) ?? 0 > 0, "orders were placed and their tasks issued")
            #expect(Int(match.2) ?? 0 > 0)
            #expect(match.4 == "0" && match.5 == "0" && match.6 == "0", "\(last)")
            let markdown = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
            #expect(markdown.contains("SIGKILL"), "the chaos schedule killed something")
            #expect(FileManager.default.fileExists(atPath: report + "/soak.svg"))
        }
    }
}
