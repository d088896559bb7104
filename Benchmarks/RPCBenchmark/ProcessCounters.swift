import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Thread switches and CPU time a process has used so far, summed over its threads.
///
/// The benchmark reads one before and one after each phase, for its own process and for the
/// server child, and divides the difference by the calls made. Thread switches (a thread blocking,
/// or being preempted) are what dominates RPC latency on small VMs.
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

    /// Another process, summed over its live threads from `/proc/<pid>/task/*/status` and
    /// `…/schedstat`; nil when the process is gone or /proc is unreadable.
    ///
    /// Threads that ended are not counted; the servers' threads live as long as the server.
    static func of(pid: Int32) -> ProcessCounters? {
        let taskDirectory = "/proc/\(pid)/task"
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: taskDirectory) else { return nil }
        var total = ProcessCounters()
        for task in tasks {
            let path = "\(taskDirectory)/\(task)"
            guard let status = try? String(contentsOfFile: "\(path)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") {
                if line.hasPrefix("voluntary_ctxt_switches:") {
                    total.voluntarySwitches += Self.lastNumber(in: line)
                } else if line.hasPrefix("nonvoluntary_ctxt_switches:") {
                    total.involuntarySwitches += Self.lastNumber(in: line)
                }
            }
            // schedstat: "<ns on cpu> <ns waiting> <timeslices>".
            if let schedstat = try? String(contentsOfFile: "\(path)/schedstat", encoding: .utf8),
                let first = schedstat.split(separator: " ").first, let nanoseconds = UInt64(first)
            {
                total.cpuNanoseconds += nanoseconds
            }
        }
        return total
    }

    private static func lastNumber(in line: Substring) -> UInt64 {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { UInt64($0) } ?? 0
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

/// What a phase cost both processes, per call.
struct PerCallCost: Sendable {
    /// Client-process thread switches per call.
    var clientSwitches: Double
    /// Server-process thread switches per call (nil if the server's counters could not be read).
    var serverSwitches: Double?
    /// Client-process CPU microseconds per call.
    var clientCPUMicros: Double
    /// Server-process CPU microseconds per call.
    var serverCPUMicros: Double?
}

/// Reads both processes' counters at the start of a phase and turns the difference into
/// per-call figures at its end.
struct PhaseMeter {
    private let serverPID: Int32
    private let clientStart: ProcessCounters
    private let serverStart: ProcessCounters?

    /// Takes the starting snapshot.
    init(serverPID: Int32) {
        self.serverPID = serverPID
        serverStart = ProcessCounters.of(pid: serverPID)
        clientStart = ProcessCounters.current()
    }

    /// The counters since the start, for both processes.
    func totals() -> (client: ProcessCounters, server: ProcessCounters?) {
        let client = ProcessCounters.current().since(clientStart)
        let server = serverStart.flatMap { start in ProcessCounters.of(pid: serverPID).map { $0.since(start) } }
        return (client, server)
    }

    /// The cost per call since the start.
    func perCall(calls: Int) -> PerCallCost {
        let (client, server) = totals()
        let calls = Double(max(calls, 1))
        return PerCallCost(
            clientSwitches: Double(client.switches) / calls,
            serverSwitches: server.map { Double($0.switches) / calls },
            clientCPUMicros: Double(client.cpuNanoseconds) / 1_000 / calls,
            serverCPUMicros: server.map { Double($0.cpuNanoseconds) / 1_000 / calls }
        )
    }
}
