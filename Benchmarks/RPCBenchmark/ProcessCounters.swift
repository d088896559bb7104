import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Thread switches and CPU time a process has used so far, summed over its threads.
///
/// The benchmark reads one before and one after each phase, for its own process and (through
/// ``ServerCounters``) for the server child, and divides the difference by the calls made.
/// Thread switches (a thread blocking, or being preempted) dominate RPC latency on small VMs.
struct ProcessCounters: Sendable {
    /// Switches because a thread blocked (waited for I/O, a lock, a condition).
    var voluntarySwitches: UInt64 = 0
    /// Switches because a thread was preempted.
    var involuntarySwitches: UInt64 = 0
    /// CPU time (user + system), in nanoseconds.
    var cpuNanoseconds: UInt64 = 0

    /// All switches.
    var switches: UInt64 { voluntarySwitches + involuntarySwitches }

    /// This process, every thread included (those that ended too), from `getrusage`.
    static func current() -> ProcessCounters {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return ProcessCounters() }
        func nanoseconds(_ time: timeval) -> UInt64 {
            UInt64(max(time.tv_sec, 0)) * 1_000_000_000 + UInt64(max(time.tv_usec, 0)) * 1_000
        }
        return ProcessCounters(
            voluntarySwitches: UInt64(max(usage.ru_nvcsw, 0)),
            involuntarySwitches: UInt64(max(usage.ru_nivcsw, 0)),
            cpuNanoseconds: nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
        )
    }

    /// Adds another period's counters.
    mutating func add(_ other: ProcessCounters) {
        voluntarySwitches += other.voluntarySwitches
        involuntarySwitches += other.involuntarySwitches
        cpuNanoseconds += other.cpuNanoseconds
    }

    /// The counters accumulated between `earlier` and `self` (zero where a counter went down).
    func since(_ earlier: ProcessCounters) -> ProcessCounters {
        ProcessCounters(
            voluntarySwitches: voluntarySwitches &- min(earlier.voluntarySwitches, voluntarySwitches),
            involuntarySwitches: involuntarySwitches &- min(earlier.involuntarySwitches, involuntarySwitches),
            cpuNanoseconds: cpuNanoseconds &- min(earlier.cpuNanoseconds, cpuNanoseconds)
        )
    }
}

/// Reads both processes' counters at the start of a phase and the difference at its end.
struct PhaseMeter {
    private let server: ServerCounters
    private let clientStart: ProcessCounters
    private let serverStart: ProcessCounters?
    private let started: ContinuousClock.Instant

    /// Takes the starting snapshot.
    init(server: ServerCounters) {
        self.server = server
        serverStart = server.read()
        clientStart = ProcessCounters.current()
        started = .now
    }

    /// The totals since the start.
    ///
    /// - Parameters:
    ///   - calls: Calls completed.
    ///   - errors: Calls failed.
    ///   - elapsed: The phase's wall time, if measured more tightly than from the snapshot.
    func finish(calls: Int, errors: Int = 0, elapsed: Duration? = nil) -> PhaseTotals {
        let wall = elapsed ?? started.duration(to: .now)
        let client = ProcessCounters.current().since(clientStart)
        let serverTotals = serverStart.flatMap { start in server.read().map { $0.since(start) } }
        return PhaseTotals(calls: calls, errors: errors, elapsed: wall, client: client, server: serverTotals)
    }
}
