// queue-chaos: the durable queue under crashes, across processes. It starts a broker, workers and
// producers as processes of their own, enqueues N tasks whose handler appends the task's key to a
// ledger (in an IdempotencyStore), SIGKILLs a random worker every few seconds and the broker a few
// times (restarting each), then drains and checks that no confirmed task was lost and no effect
// happened twice.
//
//   swift run -c release queue-chaos [--tasks 20000] [--workers 3] [--producers 2]
//                                    [--kill-every 3] [--broker-kills 2] [--seed N]
//
// Progress goes to standard error; the last line is exactly
//   chaos: enqueued=E acked=A dead_lettered=D lost=L duplicate_effects=X
// and the exit status is 1 unless lost and duplicate_effects are both 0 and the broker's counts
// balance (enqueued = acked + dead_lettered + ready + leased, enqueued = the tasks confirmed).
import Foundation
import ZRPCProcessKit

ExitWithParent.startIfRequested()

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "worker": try await ChaosWorker(arguments: Array(arguments.dropFirst())).run()
    case "producer": try await ChaosProducer(arguments: Array(arguments.dropFirst())).run()
    default:
        let options = try ChaosOptions(arguments: arguments)
        let result = try await ChaosRun(options: options).run()
        print(result.summaryLine)
        exit(result.passed ? 0 : 1)
    }
} catch {
    FileHandle.standardError.write(Data("queue-chaos: \(error)\n".utf8))
    exit(2)
}
