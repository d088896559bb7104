import ZeroMQ

/// The socket work of one client or server, run by an ``IOLoop`` on its thread.
///
/// A driver owns libzmq sockets, which are not thread-safe: every method is called on the loop's
/// thread only, so a driver needs no locks.
protocol IOLoopDriver: AnyObject {
    /// What other threads ask the driver to do, through the loop's mailbox.
    associatedtype Command: Sendable

    /// Creates and binds or connects the sockets, and adds them to `poller` (index 0 is the
    /// loop's wake-up signal). `loop` is how work started here posts back to the driver.
    func start(poller: Poller, loop: IOLoop<Self>) throws

    /// Carries out commands posted by other threads, in order.
    func handle(_ command: Command)

    /// Reads and writes whatever the last poll found ready.
    func serviceSockets(poller: Poller)

    /// The earliest time ``fireTimers(now:)`` has something to do, or nil.
    var nextDeadline: ContinuousClock.Instant? { get }

    /// Expires deadlines that have passed.
    func fireTimers(now: ContinuousClock.Instant)

    /// Closes the sockets; the loop ends after this.
    func stop()
}
