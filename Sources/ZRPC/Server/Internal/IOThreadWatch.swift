import Foundation
import Logging
import Synchronization

/// Watches a server's I/O thread for handler code that holds it (blocks, or computes for long),
/// for ``Server.HandlerExecution/adaptive``.
///
/// The I/O thread marks each stretch of handler code it runs: a handler started inline (its
/// service known) or a job of a handler task resumed there (its service one of those with a call
/// suspended on the thread). A watchdog thread looks every quarter of the threshold; a stretch
/// longer than the threshold is logged once, naming the method or the candidate services, and,
/// when configured, their services are moved off the I/O thread: their later calls run on Swift's
/// global executor, as with ``Server.HandlerExecution/concurrent``. A handler that
/// never gives the thread back cannot be interrupted; the log says which one it is. The watchdog
/// looks less often while no handler runs (down to every 250 ms), so the first stretch after a
/// quiet spell may be reported up to that much later.
final class IOThreadWatch: Sendable {
    /// What the I/O thread is running now: nothing, a known method, or a resumed task.
    private static let idle = -2
    private static let resumedTask = -1
    /// The longest the watchdog sleeps, once the server has been idle a while (nanoseconds).
    private static let idleInterval: UInt64 = 250_000_000

    private let settings: Server.HandlerExecution.Watchdog
    private let logger: Logger
    /// The methods the server hosts, by index (the I/O thread stores an index, not a string).
    private let methods: [MethodDescriptor]
    private let origin = ContinuousClock.now
    /// When the current stretch began, in nanoseconds since `origin`.
    private let since = Atomic<UInt64>(0)
    /// ``idle``, ``resumedTask``, or the index of the method started inline.
    private let running = Atomic<Int>(idle)
    /// Calls suspended with a preference for the I/O thread, by method index: whose tasks may be
    /// resumed there.
    private let suspended = Mutex<[Int: Int]>([:])
    private let moved = Mutex<Set<String>>([])
    /// How many services have been moved (read per call: a relaxed load while it is zero).
    private let movedCount = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// Stretches caught so far.
    let stretchesCaught = Atomic<Int>(0)

    init(settings: Server.HandlerExecution.Watchdog, methods: [MethodDescriptor], logger: Logger) {
        self.settings = settings
        self.methods = methods
        self.logger = logger
    }

    // MARK: Marks, from the I/O thread

    /// A handler of `methods[index]` starts on the I/O thread.
    func enter(method index: Int) {
        since.store(now, ordering: .relaxed)
        running.store(index, ordering: .releasing)
    }

    /// A job of a task that prefers the I/O thread starts.
    func enterResumedTask() {
        since.store(now, ordering: .relaxed)
        running.store(Self.resumedTask, ordering: .releasing)
    }

    /// The handler code returned the thread.
    func leave() {
        running.store(Self.idle, ordering: .releasing)
    }

    /// A call of `methods[index]` now waits with a preference for the I/O thread (or stopped).
    func suspended(method index: Int, _ delta: Int) {
        suspended.withLock { counts in
            let count = counts[index, default: 0] + delta
            counts[index] = count > 0 ? count : nil
        }
    }

    /// Whether calls to `service` must run off the I/O thread.
    func isMoved(_ service: String) -> Bool {
        movedCount.load(ordering: .relaxed) > 0 && moved.withLock { $0.contains(service) }
    }

    /// The services moved off the I/O thread so far.
    var movedServices: Set<String> { moved.withLock { $0 } }

    // MARK: The watchdog thread

    /// Starts the watchdog thread; it ends after ``stop()``.
    func start() {
        let thread = Thread { [self] in
            Thread.current.name = "zrpc-io-watchdog"
            watch()
        }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Ends the watchdog thread (within a quarter of the threshold).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private var now: UInt64 {
        let elapsed = origin.duration(to: .now).components
        return UInt64(elapsed.seconds) &* 1_000_000_000 &+ UInt64(elapsed.attoseconds / 1_000_000_000)
    }

    private func watch() {
        let threshold = max(settings.threshold, .milliseconds(1))
        let thresholdNanos =
            UInt64(threshold.components.seconds) * 1_000_000_000
            + UInt64(threshold.components.attoseconds / 1_000_000_000)
        let busyInterval = max(thresholdNanos / 4, 250_000)
        var interval = busyInterval
        var reported: UInt64 = 0
        var lastSeen: UInt64 = 0
        while !stopped.load(ordering: .relaxed) {
            usleep(useconds_t(interval / 1_000))
            let what = running.load(ordering: .acquiring)
            let start = since.load(ordering: .relaxed)
            // An idle server should not wake this thread 200 times a second: while no handler
            // code has run since the last look, look half as often, down to 4 times a second.
            interval = start != lastSeen || what != Self.idle ? busyInterval : min(interval * 2, Self.idleInterval)
            lastSeen = start
            guard what != Self.idle, start != reported else { continue }
            let held = now &- start
            guard held > thresholdNanos, held < 1 << 62 else { continue }
            reported = start
            report(what, held: .nanoseconds(Int64(held)))
        }
    }

    /// Logs a stretch that held the thread, and moves its service (or the candidates) off it.
    private func report(_ what: Int, held: Duration) {
        stretchesCaught.add(1, ordering: .relaxed)
        let services: [String]
        let culprit: String
        if what >= 0, what < methods.count {
            services = [methods[what].service]
            culprit = "the handler of \(methods[what])"
        } else {
            let candidates = suspended.withLock { $0.keys.sorted() }.compactMap {
                $0 < methods.count ? methods[$0] : nil
            }
            services = Array(Set(candidates.map(\.service))).sorted()
            culprit =
                "a handler resumed on it (one of \(candidates.isEmpty ? "no known calls" : candidates.map(\.description).joined(separator: ", ")))"
        }
        let move = settings.movesBlockingServices && !services.isEmpty
        logger.warning(
            "a handler held the server's I/O thread",
            metadata: [
                "handler": "\(culprit)",
                "held-ms": "\(held.components.seconds * 1_000 + held.components.attoseconds / 1_000_000_000_000_000)+",
                "threshold-ms":
                    "\(settings.threshold.components.seconds * 1_000 + settings.threshold.components.attoseconds / 1_000_000_000_000_000)",
                "action": move
                    ? "its service's calls now run off the I/O thread: \(services.joined(separator: ", "))" : "none",
            ]
        )
        guard move else { return }
        let added = moved.withLock { moved -> Int in
            let before = moved.count
            moved.formUnion(services)
            return moved.count - before
        }
        if added > 0 { movedCount.add(added, ordering: .relaxed) }
    }
}
