import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCQueue
import ZRPCTestKit

/// Schedules run by a broker: each fire becomes one task, keyed `name@instant`, and a restart
/// with the same database fires nothing twice.
@Suite("Scheduled jobs at a broker")
struct ScheduledJobsTests {
    @Test("an interval schedule enqueues a task per fire; a restarted broker does not fire the same instant again")
    func intervalFires() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zrpc-sched-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("broker.sqlite").path
        let schedule = try Schedule(
            name: "tick",
            trigger: .every(.seconds(1), anchor: Date(timeIntervalSince1970: 0)),
            queue: "test.Jobs/Tick",
            payload: []
        )
        // Each fire's key and the tasks that carried it: a task may run twice (delivery is at
        // least once: a restart can cut an ack short), but a fire must be one task.
        let tasks = Mutex<[String: Set<TaskID>]>([:])
        let handler = TaskHandler(queue: "test.Jobs/Tick", as: Zrpc_Testkit_FaultRequest.self) { _, context in
            tasks.withLock { _ = $0[context.idempotencyKey, default: []].insert(context.taskID) }
        }
        for _ in 0..<2 {
            try await BrokerHarness.with(databasePath: path, configure: { $0.schedules = [schedule] }) { harness in
                let before = tasks.withLock { $0.count }
                try await harness.withWorker([handler]) { _ in
                    #expect(await eventually(within: .seconds(10)) { tasks.withLock { $0.count } >= before + 2 })
                }
            }
        }
        let fired = tasks.withLock { $0 }
        #expect(fired.values.allSatisfy { $0.count == 1 }, "no instant fired twice: \(fired)")
        #expect(fired.keys.allSatisfy { $0.hasPrefix("tick@") && $0.hasSuffix(".000Z") })
    }
}
