internal import CZeroMQ

#if canImport(Glibc)
    internal import Glibc
#endif

/// Waits on sockets' notification descriptors (`ZMQ_FD`) and plain descriptors with one `poll(2)`.
///
/// The cheaper alternative to ``Poller`` for an event loop that reads each socket until it would
/// block: `zmq_poll` first polls with a zero timeout and then asks every socket for `ZMQ_EVENTS`, a
/// system call each, where this makes one call per wait.
///
/// libzmq's descriptor is a notification, not a level: it becomes readable when the socket's state
/// changes, and a send or receive can consume that notification. So a socket is waited on only once
/// a non-blocking receive, or an ``Socket/events`` query, has found nothing to read since the socket
/// last sent or received (``Socket/mayHaveUnannouncedEvents`` is false). Until then
/// ``wait(timeout:)`` reports the socket ready at once, without a system call and without checking
/// the plain descriptors.
///
/// ```swift
/// let poller = DescriptorPoller()
/// let wakeups = poller.add(fileDescriptor: wakeup.fileDescriptor)
/// let requests = try poller.add(router)
/// while running {
///     try poller.wait(timeout: nil)
///     if poller.isReady(at: wakeups) { wakeup.drain() }
///     if poller.isReady(at: requests) {
///         while let message = try router.receive(dontWait: true) { serve(message) }
///     }
/// }
/// ```
public final class DescriptorPoller {
    /// What an entry watches: a socket (through its notification descriptor) or a plain descriptor.
    private enum Target {
        case socket(Socket)
        case fileDescriptor
    }

    private var targets: [Target] = []
    private var descriptors: [pollfd] = []
    private var ready: [Bool] = []

    /// Creates an empty poller.
    public init() {}

    /// The number of entries added.
    public var count: Int {
        targets.count
    }

    /// Adds a socket, watched through its notification descriptor; the poller keeps it alive.
    ///
    /// - Parameter socket: The socket.
    /// - Returns: The entry's index, for ``isReady(at:)``.
    /// - Throws: ``ZMQError`` if the socket is closed.
    @discardableResult
    public func add(_ socket: Socket) throws(ZMQError) -> Int {
        let descriptor = try socket.getInt32(ZMQ_FD, "ZMQ_FD")
        targets.append(.socket(socket))
        descriptors.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
        ready.append(false)
        return targets.count - 1
    }

    /// Adds a plain descriptor, watched for readability (a ``WakeupSignal``'s, say).
    ///
    /// - Parameter fileDescriptor: The descriptor; the caller keeps it open while it is polled.
    /// - Returns: The entry's index, for ``isReady(at:)``.
    @discardableResult
    public func add(fileDescriptor: Int32) -> Int {
        targets.append(.fileDescriptor)
        descriptors.append(pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0))
        ready.append(false)
        return targets.count - 1
    }

    /// Stops watching a socket added with ``add(_:)``; the entries after it move down one index.
    ///
    /// - Parameter socket: The socket (nothing happens if it is not watched).
    public func remove(_ socket: Socket) {
        let index = targets.firstIndex { target in
            if case .socket(let watched) = target { return watched === socket }
            return false
        }
        guard let index else { return }
        targets.remove(at: index)
        descriptors.remove(at: index)
        ready.remove(at: index)
    }

    /// Waits until an entry may be ready or the timeout passes.
    ///
    /// A socket entry that is ready may still have nothing to read (its notification was about
    /// something else, a reconnection say): receive with `dontWait` until it would block.
    ///
    /// - Parameter timeout: The longest wait; `nil` waits until something is ready, `.zero` only checks.
    /// - Returns: How many entries are ready.
    /// - Throws: ``ZMQError`` (`notSocket` when a socket was closed).
    @discardableResult
    public func wait(timeout: Duration?) throws(ZMQError) -> Int {
        var unannounced = 0
        for index in targets.indices {
            ready[index] = false
            guard case .socket(let socket) = targets[index] else { continue }
            _ = try socket.openHandle("poll(entry \(index))")
            if socket.mayHaveUnannouncedEvents {
                ready[index] = true
                unannounced += 1
            }
        }
        if unannounced > 0 { return unannounced }

        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        let count = descriptors.count
        let result = try zmqCompletingCall("poll") { () -> Int32 in
            var milliseconds: Int32 = -1
            if let deadline {
                let remaining = clock.now.duration(to: deadline)
                milliseconds = Int32(clamping: remaining.roundedUpMilliseconds ?? 0)
            }
            return descriptors.withUnsafeMutableBufferPointer { buffer in
                poll(buffer.baseAddress, nfds_t(count), milliseconds)
            }
        }
        guard result > 0 else { return 0 }
        var readyCount = 0
        for index in descriptors.indices where descriptors[index].revents != 0 {
            ready[index] = true
            readyCount += 1
        }
        return readyCount
    }

    /// Whether the last ``wait(timeout:)`` found an entry ready.
    ///
    /// - Parameter index: The index returned by `add`.
    /// - Returns: The readiness, false for an out-of-range index.
    public func isReady(at index: Int) -> Bool {
        ready.indices.contains(index) && ready[index]
    }
}

/// Pollers hold sockets, which belong to one thread.
@available(*, unavailable)
extension DescriptorPoller: Sendable {}
