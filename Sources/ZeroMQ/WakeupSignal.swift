#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(Darwin)
internal import Darwin
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
///
/// Where `eventfd` is unavailable a non-blocking pipe does the same job.
public final class WakeupSignal: Sendable {
    /// The descriptor to poll for `.readable`. Owned by this object: do not close it.
    public let fileDescriptor: Int32
    /// Where ``signal()`` writes: the same eventfd, or a pipe's write end.
    private let writeDescriptor: Int32

    /// Creates a wake-up signal (close-on-exec, non-blocking).
    ///
    /// - Throws: ``ZMQError`` if the process is out of file descriptors.
    public init() throws(ZMQError) {
        if let makeEventFD = linuxEventFD {
            // EFD_NONBLOCK and EFD_CLOEXEC equal O_NONBLOCK and O_CLOEXEC on Linux (eventfd(2)).
            let descriptor = try zmqCall("eventfd") { makeEventFD(0, O_NONBLOCK | O_CLOEXEC) }
            fileDescriptor = descriptor
            writeDescriptor = descriptor
            return
        }
        var ends: [Int32] = [-1, -1]
        try zmqCall("pipe") { pipe(&ends) }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = ends[0]
        writeDescriptor = ends[1]
    }

    deinit {
        close(fileDescriptor)
        if writeDescriptor != fileDescriptor {
            close(writeDescriptor)
        }
    }

    /// Wakes the poller (makes ``fileDescriptor`` readable). Thread-safe, never blocks.
    public func signal() {
        var one: UInt64 = 1
        // EAGAIN means the counter (or pipe) is already full, so the poller is already woken.
        _ = try? zmqCall("write") { write(writeDescriptor, &one, MemoryLayout<UInt64>.size) }
    }

    /// Clears pending signals so ``fileDescriptor`` stops being readable. Never blocks.
    ///
    /// Call it on the polling thread *before* processing the posted work, so a signal sent during the
    /// processing wakes the next poll.
    public func drain() {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while true {
            let count = try? zmqCall("read") { read(fileDescriptor, &buffer, MemoryLayout.size(ofValue: buffer)) }
            guard let count, count > 0 else { return }
        }
    }
}

/// Linux's `eventfd(2)`, looked up at run time because Swift's Glibc module does not import
/// `<sys/eventfd.h>`; `nil` elsewhere.
private let linuxEventFD: (@convention(c) (UInt32, Int32) -> Int32)? = {
    #if os(Linux)
    guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "eventfd") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UInt32, Int32) -> Int32).self)
    #else
    return nil
    #endif
}()
