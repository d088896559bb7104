// zrpc-soak: the example cluster (Examples/Cluster/README.md) under steady load with bursts while
// a chaos schedule SIGKILLs and SIGSTOPs its processes (each killed one restarts on its endpoint),
// sampled every second; then a graceful stop, the checks and a report (report.md and soak.svg in the
// --report folder). Progress goes to standard error every 10 s.
//
//   swift run -c release zrpc-soak --minutes 30 --report soak-report
//
// The last line is exactly
//   soak: issued=I acked=A dead_lettered=D lost=L unexpected=U duplicate_effects=X rss_growth=G%
// and the exit status is 1 when L, U or X is not 0, a read was stale, or a process exited by itself
// (crashed: it is restarted, its last log lines go to the progress output and the report).
import BenchmarkKit
import Foundation
import ZRPCProcessKit

ExitWithParent.startIfRequested()

/// Runs the soak; the exit status (everything it held is released before the process exits).
func soak() async -> Int32 {
    do {
        let options = try SoakOptions(arguments: CommandLine.arguments.dropFirst())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await SoakRun(options: options).run(in: folder)
        let accounting = result.accounting
        let growth = result.growth.map { String(format: "%.1f", $0.percent) } ?? "0.0"
        let line =
            "soak: issued=\(accounting.issued) acked=\(accounting.acked) dead_lettered=\(accounting.deadLettered) "
            + "lost=\(accounting.lost) unexpected=\(accounting.unexpected) duplicate_effects=\(accounting.duplicateEffects) "
            + "rss_growth=\(growth)%"
        try SoakReport(options: options, result: result, summaryLine: line).write(to: options.reportFolder)
        progress("report written to \(options.reportFolder)/report.md and soak.svg")
        // Unbuffered: the line is out whatever happens at exit.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        if !result.crashes.isEmpty {
            progress("\(result.crashes.count) process(es) exited by themselves: see the report")
        }
        return accounting.passed && result.load.staleReads == 0 && result.crashes.isEmpty ? 0 : 1
    } catch {
        FileHandle.standardError.write(Data("zrpc-soak: \(error)\n".utf8))
        return 2
    }
}

exit(await soak())
