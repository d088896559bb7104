import Foundation
import Synchronization

/// The `SIGHUP`s counted since ``HangupSignal/install()``; a global so that the signal handler
/// reaches it without capturing anything (an atomic add is async-signal-safe).
private let hangups = Atomic<UInt64>(0)

/// Counts the `SIGHUP`s the process got, so file-backed allow-lists reload on one.
///
/// Installed when the first file-backed ``CurveAllowList`` is made: from then on `SIGHUP` no
/// longer ends the process (its default); it is counted instead. A `sigaction` handler, not a
/// Dispatch signal source: on Linux the latter blocks the signal only in the thread that
/// registers it (for its signalfd), so a `SIGHUP` delivered to any other thread still took the
/// default action and ended the process (it did, once, in a full parallel test run).
enum HangupSignal {
    private static let installed = Mutex(false)

    /// How many `SIGHUP`s arrived since ``install()``.
    static var count: UInt64 { hangups.load(ordering: .acquiring) }

    /// Starts counting `SIGHUP` (once per process; later calls do nothing).
    static func install() {
        installed.withLock { installed in
            guard !installed else { return }
            _ = hangups.load(ordering: .relaxed)  // initialised before the handler can run
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in hangups.add(1, ordering: .releasing) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            installed = sigaction(SIGHUP, &action, nil) == 0
        }
    }
}
