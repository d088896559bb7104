/// A job that runs on a schedule: each fire enqueues a task with `payload` on `queue`, with the
/// idempotency key ``idempotencyKey(for:)`` so that it is enqueued once however many schedulers
/// see it.
///
/// ```swift
/// let cleanup = try Schedule(
///     name: "cleanup",
///     trigger: .cron(try CronExpression("15 3 * * *"), TimeZone(identifier: "America/New_York")!),
///     queue: "maintenance",
///     payload: Array("purge-expired".utf8),
///     missedFires: .catchUpOnce
/// )
/// cleanup.trigger.nextFire(after: .now)      // tonight (or tomorrow night) at 03:15 New York time
/// ```
public struct Schedule: Hashable, Sendable {
    /// Names the schedule; unique among the broker's schedules, and part of every fire's key.
    public let name: String
    /// When it fires.
    public let trigger: Trigger
    /// The queue each fire's task goes to.
    public let queue: String
    /// Each fire's task's payload.
    public let payload: [UInt8]
    /// What happens to fires that were missed.
    public let missedFires: MissedFires
    /// How late a fire may be enqueued and still count as on time rather than missed.
    public let gracePeriod: Duration

    /// Creates a schedule.
    ///
    /// ```swift
    /// let heartbeat = try Schedule(
    ///     name: "heartbeat",
    ///     trigger: .every(.seconds(30), anchor: Date(timeIntervalSince1970: 0)),
    ///     queue: "monitoring",
    ///     payload: []
    /// )
    /// ```
    ///
    /// - Parameters:
    ///   - name: Names the schedule (not empty).
    ///   - trigger: When it fires; an interval is at least one second.
    ///   - queue: The queue each fire's task goes to (not empty).
    ///   - payload: Each fire's task's payload.
    ///   - missedFires: What happens to missed fires; skipped by default. A catch-up limit is at least 1.
    ///   - gracePeriod: How late a fire may be and still be on time (≥ 0); one minute by default.
    /// - Throws: ``ScheduleError`` when an argument is out of its range.
    public init(
        name: String,
        trigger: Trigger,
        queue: String,
        payload: [UInt8],
        missedFires: MissedFires = .skip,
        gracePeriod: Duration = .seconds(60)
    ) throws(ScheduleError) {
        guard !name.isEmpty else { throw ScheduleError(name: name, reason: "the name is empty") }
        guard !queue.isEmpty else { throw ScheduleError(name: name, reason: "the queue's name is empty") }
        if case .every(let interval, _) = trigger, interval < .seconds(1) {
            throw ScheduleError(name: name, reason: "the interval \(interval) is shorter than a second")
        }
        if case .catchUpAll(let limit) = missedFires, limit < 1 {
            throw ScheduleError(name: name, reason: "the catch-up limit \(limit) is below 1")
        }
        guard gracePeriod >= .zero else {
            throw ScheduleError(name: name, reason: "the grace period \(gracePeriod) is negative")
        }
        self.name = name
        self.trigger = trigger
        self.queue = queue
        self.payload = payload
        self.missedFires = missedFires
        self.gracePeriod = gracePeriod
    }
}
