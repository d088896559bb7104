internal import CZeroMQ

#if canImport(Glibc)
    internal import Glibc
#endif

/// A thread-safe wake-up for a thread blocked in ``Poller/poll(timeout:)``: an `eventfd` on Linux.
///
/// Add ``fileDescriptor`` to the I/O thread's poller for `.readable`; any thread or task calls ``signal()``
/// after posting work; the I/O thread wakes, calls ``drain()`` and processes the work. Signals coalesce:
/// many signals before a drain wake the poller once.
///
/// ```swift
/// let wakeup = try WakeupSignal()
/// poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
/// // elsewhere, on any thread:
/// mailbox.append(work); wakeup.signal()
/// ```
public final class WakeupSignal: Sendable {
    /// The descriptor to poll for `.readable`. Owned by this object: do not close it.
    public let fileDescriptor: Int32

    /// Creates a wake-up signal (close-on-exec, non-blocking).
    ///
    /// - Throws: ``ZMQError`` if the process is out of file descriptors.
    public init() throws(ZMQError) {
        fileDescriptor = try zmqCompletingCall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit {
        close(fileDescriptor)
    }

    /// Wakes the poller (makes ``fileDescriptor`` readable). Thread-safe, never blocks.
    public func signal() {
        var one: UInt64 = 1
        // Would-block means the counter (or pipe) is already full, so the poller is already woken.
        _ = try? zmqCall("write") { write(fileDescriptor, &one, MemoryLayout<UInt64>.size) }
    }

    /// Clears pending signals so ``fileDescriptor`` stops being readable. Never blocks.
    ///
    /// Call it on the polling thread *before* processing the posted work, so a signal sent during the
    /// processing wakes the next poll.
    public func drain() {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while true {
            let result = try? zmqCall("read") { read(fileDescriptor, &buffer, MemoryLayout.size(ofValue: buffer)) }
            // Would-block means the counter is zero: nothing (more) to drain.
            guard case .processed(let count)? = result, count > 0 else { return }
        }
    }
}
