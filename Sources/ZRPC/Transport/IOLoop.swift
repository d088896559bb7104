import Foundation
import Synchronization
internal import ZeroMQ

/// A thread that owns a driver's sockets and blocks in `poll(2)` on their notification descriptors
/// plus a wake-up eventfd (``ZeroMQ/DescriptorPoller``).
///
/// Other threads never touch the sockets: they ``submit(_:)`` commands to a mailbox and the loop
/// runs them between waits, draining the mailbox in batches. The loop is also a `TaskExecutor`:
/// a task that prefers it (`Task(executorPreference: loop)`) runs on this thread between polls,
/// so a short handler or a caller awaiting a reply costs no thread switch.
package final class IOLoop<Driver: IOLoopDriver>: TaskExecutor, @unchecked Sendable {
    // Safe to share: `mailbox` is a Mutex; `wakeup` is an eventfd (thread-safe); `loopThread` is
    // atomic; `driver`, `poller` and `local` are touched only by the loop thread (after `start`
    // hands the first two over; `local` only after `isOnLoopThread` says so).

    private struct Mailbox {
        var commands: [Driver.Command] = []
        var jobs: [UnownedJob] = []
        /// The loop is (about to be) blocked in poll: the next submitter must signal.
        var sleeping = false
        var stopping = false
        var stopped = false
        var stopWaiters = Waiters<Void, Never>()
    }

    private let mailbox = Mutex(Mailbox())
    /// What the loop thread posts to itself (a handler's response, a caller's request, the jobs
    /// of tasks that prefer this executor): no other thread reads it, so it needs no lock.
    private var local = (commands: [Driver.Command](), jobs: [UnownedJob]())
    /// The loop thread's `pthread_self()`, 0 before it starts and after it stops. Only the loop
    /// thread can find its own id here, so a relaxed load answers "am I the loop thread?" exactly.
    private let loopThread = Atomic<UInt>(0)
    private let wakeup: WakeupSignal
    private let name: String
    private var driver: Driver?
    private let poller = DescriptorPoller()
    /// Marks each job run here (a task that prefers this executor resuming), for a server's
    /// watchdog; nil for clients.
    private let watch: IOThreadWatch?

    /// Creates a loop; its thread starts with ``start(makeDriver:)``. Commands and jobs posted
    /// before that wait in the mailbox.
    ///
    /// - Parameter name: The thread's name, for debuggers and logs.
    /// - Throws: When the wake-up descriptor cannot be made (out of descriptors).
    init(name: String, watch: IOThreadWatch?) throws {
        self.name = name
        self.watch = watch
        self.wakeup = try WakeupSignal()
    }

    /// Creates a loop with no watchdog, for drivers outside this module (ZRPCQueue's pipelines).
    ///
    /// ```swift
    /// let loop = try IOLoop<PipelineSenderDriver>(name: "zrpc-pipeline")
    /// try await loop.start { try PipelineSenderDriver(...) }
    /// ```
    ///
    /// - Parameter name: The thread's name, for debuggers and logs.
    /// - Throws: When the wake-up descriptor cannot be made (out of descriptors).
    package convenience init(name: String) throws {
        try self.init(name: name, watch: nil)
    }

    /// Starts the loop thread, creates the driver on it and runs `driver.start`; then the thread
    /// serves until ``shutdown()``. If creating or starting the driver fails, the loop is stopped
    /// (what was posted is rejected or run) and the error thrown.
    ///
    /// - Parameter makeDriver: Creates the driver on the loop thread (sockets must be made there).
    /// - Throws: Whatever creating or starting the driver threw (say, an address in use).
    package func start(makeDriver: @escaping @Sendable () throws -> Driver) async throws {
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in
                CurrentThread.setName(name)
                loopThread.store(CurrentThread.id, ordering: .relaxed)
                do {
                    let driver = try makeDriver()
                    _ = poller.add(fileDescriptor: wakeup.fileDescriptor)
                    try driver.start(poller: poller, loop: self)
                    self.driver = driver
                } catch {
                    loopThread.store(0, ordering: .relaxed)
                    answerLatecomers(executor: asUnownedTaskExecutor())
                    started.resume(throwing: error)
                    return
                }
                started.resume()
                run()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Posts a command for the driver; wakes the loop if it is blocked in poll. After the loop has
    /// stopped the command is rejected at once (``IOLoopDriver/reject(_:)``).
    ///
    /// - Parameter command: What the driver should do.
    package func submit(_ command: consuming Driver.Command) {
        if isOnLoopThread, driver != nil {
            local.commands.append(command)
            return
        }
        let command = command  // the lock's closure can only borrow it
        let (wake, stopped) = mailbox.withLock { state -> (Bool, Bool) in
            if state.stopped { return (false, true) }
            state.commands.append(command)
            defer { state.sleeping = false }
            return (state.sleeping, false)
        }
        if stopped { Driver.reject(command) }
        if wake { wakeup.signal() }
    }

    /// Runs a job on the loop thread; after the loop has stopped (a task still preferring a closed
    /// client's executor), at once on the calling thread, so no task is left waiting.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnLoopThread, driver != nil {
            local.jobs.append(job)
            return
        }
        let (wake, stopped) = mailbox.withLock { state -> (Bool, Bool) in
            if state.stopped { return (false, true) }
            state.jobs.append(job)
            defer { state.sleeping = false }
            return (state.sleeping, false)
        }
        if stopped { job.runSynchronously(on: asUnownedTaskExecutor()) }
        if wake { wakeup.signal() }
    }

    /// Whether the caller runs on the loop thread.
    private var isOnLoopThread: Bool {
        loopThread.load(ordering: .relaxed) == CurrentThread.id
    }

    /// Stops the loop after the commands already posted, closes the driver's sockets and waits
    /// for the thread to finish.
    package func shutdown() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let (alreadyStopped, wake) = mailbox.withLock { state -> (Bool, Bool) in
                if state.stopped { return (true, false) }
                state.stopping = true
                state.stopWaiters.park(done)
                defer { state.sleeping = false }
                return (false, state.sleeping)
            }
            if alreadyStopped { done.resume() }
            if wake { wakeup.signal() }
        }
    }

    /// Asks the loop to stop without waiting for it (from a `deinit`, which cannot await); the
    /// thread closes the driver's sockets and ends on its own.
    package func requestStop() {
        let wake = mailbox.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.stopping = true
            defer { state.sleeping = false }
            return state.sleeping
        }
        if wake { wakeup.signal() }
    }

    /// How many times in a row the loop may go round without waiting on its descriptors while
    /// its mailbox keeps filling (a reply's continuation posting the next call, say); the wait that
    /// follows checks the sockets, so a busy mailbox never starves them.
    private static var maxRoundsWithoutWaiting: Int { 4 }

    /// How many times one round takes the mailbox (jobs, then the commands they posted).
    private static var mailboxPassesPerRound: Int { 3 }

    private func run() {
        guard let driver else { return }
        var round = Round(executor: asUnownedTaskExecutor())
        while true {
            if runMailbox(driver, &round) { break }
            driver.flush()
            if round.socketsSignalled || driver.needsService {
                // Right after a wait, take one message and answer it before looking for more: a
                // lone call then costs no extra read that finds nothing. Later rounds read batches.
                do {
                    try driver.serviceSockets(limit: round.roundsWithoutWaiting == 0 && round.socketsSignalled ? 1 : 8)
                } catch {
                    break  // reading fails only on a closed socket or a terminated context: stop serving
                }
            }
            driver.fireTimers(now: .now)
            driver.flush()
            do {
                try waitIfIdle(driver, &round)
            } catch {
                break  // waiting fails only on a closed socket: stop serving
            }
        }
        finish(driver, executor: round.executor)
    }

    /// What one turn of the loop carries over to the next.
    private struct Round {
        let executor: UnownedTaskExecutor
        var commands: [Driver.Command] = []
        var jobs: [UnownedJob] = []
        var socketsSignalled = true
        var roundsWithoutWaiting = 0
    }

    /// Runs the mailbox's jobs and commands; jobs post commands (a caller its request, a handler
    /// its response), so it is taken again, up to ``mailboxPassesPerRound`` times, and they are
    /// sent in this round, before the sockets are read.
    ///
    /// - Returns: Whether the loop was asked to stop.
    private func runMailbox(_ driver: Driver, _ round: inout Round) -> Bool {
        for _ in 0..<Self.mailboxPassesPerRound {
            let stopping = mailbox.withLock { state -> Bool in
                swap(&round.commands, &state.commands)
                swap(&round.jobs, &state.jobs)
                return state.stopping
            }
            Self.takeAll(&local.commands, after: &round.commands)
            Self.takeAll(&local.jobs, after: &round.jobs)
            let taken = !round.commands.isEmpty || !round.jobs.isEmpty
            if let watch {
                for job in round.jobs {
                    watch.enterResumedTask()
                    job.runSynchronously(on: round.executor)
                    watch.leave()
                }
            } else {
                for job in round.jobs {
                    job.runSynchronously(on: round.executor)
                }
            }
            round.jobs.removeAll(keepingCapacity: true)
            // Handed over by moving, in order: a command holds frames, and copying it out of the
            // array would retain and release each one.
            round.commands.reverse()
            while let command = round.commands.popLast() {
                driver.handle(command)
            }
            if stopping { return true }
            if !taken { return false }
        }
        return false
    }

    /// Goes round again at once while work is already posted (a few times in a row at most, so a
    /// busy mailbox never starves the sockets); otherwise blocks in poll until a socket, the
    /// wake-up signal or the driver's next deadline.
    private func waitIfIdle(_ driver: Driver, _ round: inout Round) throws {
        let busy =
            !local.commands.isEmpty || !local.jobs.isEmpty
            || mailbox.withLock { state -> Bool in
                if !state.commands.isEmpty || !state.jobs.isEmpty || state.stopping { return true }
                state.sleeping = true
                return false
            }
        if busy, round.roundsWithoutWaiting < Self.maxRoundsWithoutWaiting {
            round.roundsWithoutWaiting += 1
            round.socketsSignalled = false
            return
        }
        let timeout = busy ? .zero : driver.nextDeadline.map { max(.zero, ContinuousClock.now.duration(to: $0)) }
        round.roundsWithoutWaiting = 0
        try poller.wait(timeout: timeout)
        mailbox.withLock { $0.sleeping = false }
        if poller.isReady(at: 0) {
            wakeup.drain()
        }
        round.socketsSignalled = (1..<poller.count).contains { poller.isReady(at: $0) }
    }

    /// Closes the driver's sockets, then answers what was posted meanwhile.
    private func finish(_ driver: Driver, executor: UnownedTaskExecutor) {
        driver.stop()
        self.driver = nil  // from here on, the loop thread posts through the mailbox too
        // A thread started after this one ends may get the same id.
        loopThread.store(0, ordering: .relaxed)
        answerLatecomers(executor: executor)
    }

    /// Marks the loop stopped and answers what was posted to it: commands are rejected, jobs run
    /// here, so no caller is left waiting; then resumes those waiting for the stop.
    private func answerLatecomers(executor: UnownedTaskExecutor) {
        let (localCommands, localJobs) = local
        local = ([], [])
        let (waiters, late) = mailbox.withLock { state -> ([CheckedContinuation<Void, Never>], [Driver.Command]) in
            state.stopped = true
            defer { state.commands = [] }
            return (state.stopWaiters.takeAll(), state.commands)
        }
        // Commands posted while the loop was stopping reach no driver: reject them.
        for command in localCommands + late { Driver.reject(command) }
        // Jobs enqueued while the loop was stopping would never run; run them here so no task
        // hangs (later ones run where they are enqueued).
        for job in localJobs { job.runSynchronously(on: executor) }
        drainLateJobs(executor: executor)
        for waiter in waiters { waiter.resume() }
    }

    /// Moves `source`'s elements to the end of `destination`, leaving `source` empty; when
    /// `destination` is empty the two arrays just trade buffers (no element is copied).
    private static func takeAll<Element>(_ source: inout [Element], after destination: inout [Element]) {
        guard !source.isEmpty else { return }
        if destination.isEmpty {
            swap(&source, &destination)
        } else {
            destination.append(contentsOf: source)
            source.removeAll(keepingCapacity: true)
        }
    }

    private func drainLateJobs(executor: UnownedTaskExecutor) {
        while true {
            let jobs = mailbox.withLock { state -> [UnownedJob] in
                defer { state.jobs = [] }
                return state.jobs
            }
            if jobs.isEmpty { return }
            for job in jobs { job.runSynchronously(on: executor) }
        }
    }
}
