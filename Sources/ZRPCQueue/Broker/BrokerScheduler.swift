/// Runs a broker's schedules: at each scheduled instant it enqueues the schedule's task, keyed
/// `name@instant`, and records the schedule's high-water mark in the same transaction. A restart
/// resumes from the recorded mark, and the key makes a fire enqueued twice (two brokers, a clock
/// jump) one task.
struct BrokerScheduler: Sendable {
    let core: BrokerCore
    let schedules: [Schedule]

    /// Fires schedules until the task is cancelled.
    func run() async {
        guard !schedules.isEmpty else { return }
        var planners: [SchedulePlanner]
        do {
            let records = try await core.store.scheduleRecords()
            let now = core.now()
            planners = schedules.map { schedule in
                let record = records[schedule.name]
                return SchedulePlanner(
                    schedule: schedule,
                    lastFire: record?.lastFire,
                    createdAt: record?.createdAt ?? now
                )
            }
            // A new schedule's creation time is recorded at once, so a restart keeps it.
            for planner in planners where records[planner.schedule.name] == nil {
                _ = try await core.store.fire(
                    schedule: planner.schedule.name,
                    record: ScheduleRecord(createdAt: planner.createdAt, lastFire: nil),
                    tasks: []
                )
            }
        } catch {
            core.logger.error("the scheduler could not read its schedules: \(error); no schedule fires")
            return
        }
        while !Task.isCancelled {
            let now = core.now()
            for index in planners.indices {
                await fire(&planners[index], now: now)
            }
            let next = planners.compactMap(\.nextWakeUp).min() ?? now + 60_000
            try? await Task.sleep(for: .milliseconds(min(max(next - now, 1), 60_000)))
        }
    }

    /// Enqueues what one schedule has due; on a store failure the mark stays, so the fires are
    /// planned again next time.
    private func fire(_ planner: inout SchedulePlanner, now: UnixMillis) async {
        var attempt = planner
        let plan = attempt.plan(now: now)
        guard plan.lastFire != planner.lastFire else { return }
        let schedule = planner.schedule
        do {
            let tasks = try plan.fires.map { fire in
                try core.task(
                    from: Zrpc_Queue_TaskSubmission(
                        queue: schedule.queue,
                        payload: schedule.payload,
                        idempotencyKey: fire.idempotencyKey
                    ),
                    index: 0,
                    now: now
                )
            }
            let stored = try await core.store.fire(
                schedule: schedule.name,
                record: ScheduleRecord(createdAt: planner.createdAt, lastFire: plan.lastFire),
                tasks: tasks
            )
            let accepted = zip(tasks, stored).filter { !$1.duplicate }.map(\.0)
            core.apply(core.engine.add(accepted, now: now))
            if let skipped = plan.skipped {
                core.logger.notice(
                    "schedule \(schedule.name) skipped missed fires",
                    metadata: ["first": "\(skipped.lowerBound)", "last": "\(skipped.upperBound)"]
                )
            }
            planner = attempt
        } catch {
            core.logger.error("schedule \(schedule.name) could not fire: \(error); it tries again")
        }
    }
}
