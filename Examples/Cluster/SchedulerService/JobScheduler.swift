import Foundation
public import Logging
public import ServiceLifecycle
public import ZRPCQueue

/// Runs a job at the instants of a ZRPCQueue `Schedule.Trigger` (a cron expression or an interval),
/// one run at a time, until graceful shutdown. A fire that comes while the previous run still goes
/// on, or after a pause (the process was stopped), is skipped: the job runs at the next fire, never
/// twice in a row to catch up. Each run gets the fire's key, `Schedule.idempotencyKey(name:instant:)`.
/// A swift-service-lifecycle `Service`.
///
/// ```swift
/// let scheduler = JobScheduler(name: "reconcile-orders", trigger: .every(.seconds(5), anchor: .distantPast),
///                              logger: logger) { fire in await job.run(fire: fire) }
/// try await ServiceGroup(services: [ordersClient, scheduler], logger: logger).run()
/// ```
public struct JobScheduler: Service {
    /// Names the job, in fire keys and logs.
    public let name: String
    /// When it runs.
    public let trigger: Schedule.Trigger
    private let logger: Logger
    private let job: @Sendable (String) async -> Void

    /// Creates the scheduler.
    ///
    /// - Parameters:
    ///   - name: Names the job.
    ///   - trigger: When it runs.
    ///   - logger: Where it logs skipped fires.
    ///   - job: The job; it gets the fire's key.
    public init(
        name: String,
        trigger: Schedule.Trigger,
        logger: Logger,
        job: @escaping @Sendable (String) async -> Void
    ) {
        self.name = name
        self.trigger = trigger
        self.logger = logger
        self.job = job
    }

    /// Runs the job at every fire until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var after = Date()
            while !Task.isCancelled, let fire = trigger.nextFire(after: after) {
                try? await Task.sleep(for: .milliseconds(max(0, Int(fire.timeIntervalSinceNow * 1_000))))
                if Task.isCancelled { break }
                await job(Schedule.idempotencyKey(name: name, instant: fire))
                // The next fire after now: fires that passed while the job ran are skipped.
                let now = Date()
                if let missed = trigger.nextFire(after: fire), missed < now {
                    logger.notice("\(name) skipped fires that passed while it ran or was paused")
                }
                after = max(fire, now)
            }
        }
    }
}
