/// One schedule's fires as a value: given the last fire the broker recorded and the time now, it
/// says which fires are due (with their idempotency keys), which were skipped, and when to look
/// again. Time is an argument, so tests drive it without clocks.
///
/// The recorded last fire is a high-water mark: only instants after it are ever due, so a clock
/// that jumps backwards produces nothing twice, and a restarted scheduler (or a second one) with
/// the same record produces the same fires with the same keys — the broker's de-duplication
/// enqueues each once. A new schedule (no fire recorded) starts after its creation: its past
/// instants are never due.
///
/// ```swift
/// var planner = SchedulePlanner(schedule: schedule, lastFire: row.lastFire, createdAt: row.createdAt)
/// let plan = planner.plan(now: now)
/// for fire in plan.fires { enqueue(schedule.queue, schedule.payload, key: fire.idempotencyKey) }
/// record(lastFire: plan.lastFire)     // after the enqueues, or in their transaction
/// sleep(until: plan.nextWakeUp)
/// ```
struct SchedulePlanner: Sendable {
    /// A fire to enqueue.
    struct Fire: Hashable, Sendable {
        /// The scheduled instant.
        let instant: UnixMillis
        /// `name@instant`: the task's idempotency key.
        let idempotencyKey: String
        /// Whether the fire was missed and is run late by the schedule's catch-up policy.
        let isCatchUp: Bool
    }

    /// What ``plan(now:)`` decided.
    struct Plan: Hashable, Sendable {
        /// The fires to enqueue, in order.
        var fires: [Fire] = []
        /// The first and last missed instants that were dropped, if any were.
        var skipped: ClosedRange<UnixMillis>?
        /// The high-water mark to record: the latest instant due so far, enqueued or skipped
        /// (`nil` while the schedule has never been due).
        var lastFire: UnixMillis?
        /// The next scheduled instant: when to plan again (`nil`: never).
        var nextWakeUp: UnixMillis?
    }

    let schedule: Schedule
    /// When the schedule was created: a new schedule's first fire is the first instant after it.
    let createdAt: UnixMillis
    /// The latest instant due so far; instants up to it are never due again.
    private(set) var lastFire: UnixMillis?

    /// A planner for a schedule as the broker stored it.
    ///
    /// - Parameters:
    ///   - schedule: The schedule.
    ///   - lastFire: The last fire recorded, or `nil` for a schedule that has never been due.
    ///   - createdAt: When the schedule was created.
    init(schedule: Schedule, lastFire: UnixMillis?, createdAt: UnixMillis) {
        self.schedule = schedule
        self.lastFire = lastFire
        self.createdAt = createdAt
    }

    /// Instants up to this one are done.
    private var highWaterMark: UnixMillis { lastFire ?? createdAt }

    /// The next scheduled instant after the high-water mark.
    var nextWakeUp: UnixMillis? { schedule.trigger.nextFire(afterMillis: highWaterMark) }

    /// The fires due at `now`, by the schedule's missed-fire policy, and the new high-water mark.
    ///
    /// A fire is on time when `now` is at most the grace period after it, and is then always
    /// enqueued; an older one was missed, and is skipped, run once for all, or run each (the
    /// latest `limit`), as ``Schedule/MissedFires`` says.
    mutating func plan(now: UnixMillis) -> Plan {
        let mark = highWaterMark
        let (graceStart, overflow) = now.subtractingReportingOverflow(schedule.gracePeriod.unixMillis)
        let missedThrough = overflow ? Int64.min : graceStart - 1
        var plan = Plan(lastFire: lastFire)
        if mark < missedThrough, let firstMissed = schedule.trigger.nextFire(afterMillis: mark),
            firstMissed <= missedThrough
        {
            let runs: Int
            switch schedule.missedFires {
            case .skip: runs = 0
            case .catchUpOnce: runs = 1
            case .catchUpAll(let limit): runs = max(limit, 0)
            }
            let latest = latestFires(count: runs == .max ? runs : runs + 1, after: mark, through: missedThrough)
            let caughtUp = latest.suffix(runs)
            if latest.count > caughtUp.count, let lastSkipped = latest.dropLast(caughtUp.count).last {
                plan.skipped = firstMissed...lastSkipped
            }
            plan.fires += caughtUp.map { fire(at: $0, isCatchUp: true) }
            plan.lastFire = latest.last
        }
        var cursor = max(mark, missedThrough)
        while let next = schedule.trigger.nextFire(afterMillis: cursor), next <= now {
            plan.fires.append(fire(at: next, isCatchUp: false))
            plan.lastFire = next
            cursor = next
        }
        lastFire = plan.lastFire
        plan.nextWakeUp = nextWakeUp
        return plan
    }

    private func fire(at instant: UnixMillis, isCatchUp: Bool) -> Fire {
        Fire(
            instant: instant,
            idempotencyKey: Schedule.idempotencyKey(name: schedule.name, millis: instant),
            isCatchUp: isCatchUp
        )
    }

    /// The latest `count` instants in `lower <.. upper`, ascending. Looks back from `upper` in
    /// windows growing eightfold, so a long outage costs about as much as the fires it keeps.
    private func latestFires(count: Int, after lower: UnixMillis, through upper: UnixMillis) -> [UnixMillis] {
        var span: Int64 = 3_600_000
        while true {
            let (candidate, overflow) = upper.subtractingReportingOverflow(span)
            let windowStart = overflow || candidate < lower ? lower : candidate
            var found: [UnixMillis] = []
            var cursor = windowStart
            while let next = schedule.trigger.nextFire(afterMillis: cursor), next <= upper {
                found.append(next)
                if found.count - count > max(count, 64) { found.removeFirst(found.count - count) }
                cursor = next
            }
            if found.count >= count || windowStart == lower { return Array(found.suffix(count)) }
            span = span > Int64.max / 8 ? Int64.max : span * 8
        }
    }
}
