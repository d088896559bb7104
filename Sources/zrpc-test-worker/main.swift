// zrpc-test-worker: a queue worker process for ZRPC's tests across processes. It attaches to the
// broker at BROKER and runs tasks of the queue `test.Jobs/Run` (zrpc.testkit.FaultRequest):
// a task whose key starts `sleep-first:MS:` sleeps MS milliseconds on its first attempt.
//
//   zrpc-test-worker BROKER
//
// The first line printed names the broker; each task started prints `started KEY ATTEMPT`.
import Foundation
import Logging
import ZRPC
import ZRPCProcessKit
import ZRPCQueue
import ZRPCTestKit

ExitWithParent.startIfRequested()

guard let broker = CommandLine.arguments.dropFirst().first else {
    FileHandle.standardError.write(Data("usage: zrpc-test-worker BROKER\n".utf8))
    exit(2)
}
var logger = Logger(label: "zrpc-test-worker")
logger.logLevel = .warning
let handler = TaskHandler(queue: "test.Jobs/Run", as: Zrpc_Testkit_FaultRequest.self) { task, context in
    FileHandle.standardOutput.write(Data("started \(task.key) \(context.attempt)\n".utf8))
    let parts = task.key.split(separator: ":")
    if parts.first == "sleep-first", context.attempt == 1, parts.count > 1, let millis = Int(parts[1]) {
        try await Task.sleep(for: .milliseconds(millis))
    }
}
var configuration = Client.Configuration(endpoints: [broker])
configuration.logger = logger
try await Client.withClient(configuration: configuration) { client in
    let worker = QueueWorker(
        client: client,
        handlers: [handler],
        configuration: .init(name: "test-worker-\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
    )
    FileHandle.standardOutput.write(Data("zrpc-test-worker attached to \(broker)\n".utf8))
    try await worker.run()
}
