internal import CZeroMQ

/// Waits until sockets and plain file descriptors are ready, with `zmq_poll`.
///
/// A poller is reusable: add items once, then call ``poll(timeout:)`` in a loop and read each item's
/// ``returnedEvents(at:)``. Like ``Socket`` it belongs to one thread.
///
/// ```swift
/// let poller = Poller()
/// let requests = poller.add(router, events: .readable)
/// let wakeups = poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
/// while running {
///     try poller.poll(timeout: .milliseconds(500))
///     if poller.returnedEvents(at: wakeups).contains(.readable) { wakeup.drain(); drainMailbox() }
///     if poller.returnedEvents(at: requests).contains(.readable) { serve(try router.receive(dontWait: true)) }
/// }
/// ```
public final class Poller {
    private enum Target {
        case socket(Socket)
        case fileDescriptor(Int32)
    }

    private var targets: [Target] = []
    private var items: [zmq_pollitem_t] = []

    /// Creates an empty poller.
    public init() {}

    /// The number of items added.
    public var count: Int {
        items.count
    }

    /// Adds a socket to poll.
    ///
    /// The poller keeps the socket alive; if the socket is closed, ``poll(timeout:)`` throws `notSocket`.
    ///
    /// - Parameters:
    ///   - socket: The socket.
    ///   - events: What to wait for (`.readable`, `.writable`).
    /// - Returns: The item's index, for ``returnedEvents(at:)`` and ``setEvents(_:at:)``.
    @discardableResult
    public func add(_ socket: Socket, events: PollEvents) -> Int {
        targets.append(.socket(socket))
        items.append(zmq_pollitem_t(socket: nil, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor to poll (for example a ``WakeupSignal``'s).
    ///
    /// - Parameters:
    ///   - fileDescriptor: The descriptor; the caller keeps it open while it is polled.
    ///   - events: What to wait for (`.readable`, `.writable`; `.error` is always reported).
    /// - Returns: The item's index, for ``returnedEvents(at:)`` and ``setEvents(_:at:)``.
    @discardableResult
    public func add(fileDescriptor: Int32, events: PollEvents) -> Int {
        targets.append(.fileDescriptor(fileDescriptor))
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Changes what an item waits for (for example adding `.writable` while output is pending).
    ///
    /// - Parameters:
    ///   - events: The new events; empty to ignore the item for now.
    ///   - index: The index returned by `add`; out-of-range indices are ignored.
    public func setEvents(_ events: PollEvents, at index: Int) {
        guard items.indices.contains(index) else { return }
        items[index].events = events.rawValue
    }

    /// Removes every item (their indices become invalid).
    public func removeAll() {
        targets.removeAll()
        items.removeAll()
    }

    /// Waits until at least one item is ready or the timeout expires.
    ///
    /// ```swift
    /// let ready = try poller.poll(timeout: .milliseconds(100))   // 0 when nothing happened
    /// ```
    ///
    /// A signal interrupting the wait does not shorten or lengthen it: the poll resumes with the time left.
    ///
    /// - Parameters:
    ///   - timeout: The longest wait; `nil` = until something is ready; `.zero` = just check.
    /// - Returns: The number of items with events; then read them with ``returnedEvents(at:)``.
    /// - Throws: ``ZMQError`` (`contextTerminated` when a polled socket's context shuts down, `notSocket`
    ///   when a polled socket was closed).
    @discardableResult
    public func poll(timeout: Duration?) throws(ZMQError) -> Int {
        for index in items.indices {
            items[index].revents = 0
            if case .socket(let socket) = targets[index] {
                items[index].socket = try socket.openHandle("zmq_poll(item \(index))")
            }
        }
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        let ready = try zmqCompletingCall("zmq_poll") { () -> Int32 in
            let milliseconds: Int
            if let deadline {
                let remaining = clock.now.duration(to: deadline)
                milliseconds = Int(clamping: remaining.roundedUpMilliseconds ?? (remaining < .zero ? 0 : .max))
            } else {
                milliseconds = -1
            }
            return items.withUnsafeMutableBufferPointer { buffer in
                zmq_poll(buffer.baseAddress, Int32(buffer.count), milliseconds)
            }
        }
        return Int(ready)
    }

    /// The events the last ``poll(timeout:)`` reported for an item.
    ///
    /// - Parameters:
    ///   - index: The index returned by `add`.
    /// - Returns: The events, empty for none or for an out-of-range index.
    public func returnedEvents(at index: Int) -> PollEvents {
        guard items.indices.contains(index) else { return [] }
        return PollEvents(rawValue: items[index].revents)
    }
}

/// Pollers hold sockets, which belong to one thread.
@available(*, unavailable)
extension Poller: Sendable {}
