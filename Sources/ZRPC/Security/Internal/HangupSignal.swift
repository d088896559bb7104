import Dispatch
import Foundation
import Synchronization

/// Counts the `SIGHUP`s the process got, so file-backed allow-lists reload on one.
///
/// Installed when the first file-backed ``CurveAllowList`` is made: from then on `SIGHUP` no
/// longer ends the process (its default); it is counted instead. On Linux a Dispatch signal
/// source takes the signal over by itself (as swift-service-lifecycle's signal handling relies on).
enum HangupSignal {
    private static let received = Atomic<UInt64>(0)
    private static let source = Mutex<(any DispatchSourceSignal)?>(nil)

    /// How many `SIGHUP`s arrived since ``install()``.
    static var count: UInt64 { received.load(ordering: .acquiring) }

    /// Starts counting `SIGHUP` (once per process; later calls do nothing).
    static func install() {
        source.withLock { source in
            guard source == nil else { return }
            let signals = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
            signals.setEventHandler { received.add(1, ordering: .releasing) }
            signals.resume()
            source = signals
        }
    }
}
