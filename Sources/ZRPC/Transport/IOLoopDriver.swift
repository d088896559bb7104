package import ZeroMQ

/// The socket work of one client or server, run by an ``IOLoop`` on its thread.
///
/// A driver owns libzmq sockets, which are not thread-safe: every method is called on the loop's
/// thread only, so a driver needs no locks.
package protocol IOLoopDriver: AnyObject, SendableMetatype {
    /// What other threads ask the driver to do, through the loop's mailbox.
    associatedtype Command: Sendable

    /// Creates and binds or connects the sockets, and adds them to `poller` (index 0 is the
    /// loop's wake-up signal). `loop` is how work started here posts back to the driver.
    func start(poller: DescriptorPoller, loop: IOLoop<Self>) throws

    /// Carries out commands posted by other threads, in order.
    func handle(_ command: consuming Command)

    /// Answers a command posted after the loop stopped (no driver is left to carry it out), on
    /// whichever thread posted it: a waiting caller must not wait forever.
    static func reject(_ command: Command)

    /// Reads each socket until it would block or `limit` messages were read, and writes what
    /// waits for them. Called when a socket's descriptor was signalled or ``needsService`` is true.
    ///
    /// - Throws: When a socket cannot be used any more (its context was terminated): the loop stops.
    func serviceSockets(limit: Int) throws

    /// Sends what the driver queued since the last flush (the calls or responses of this round,
    /// batched per peer). The loop calls it after running its mailbox and before it waits.
    func flush()

    /// Whether a socket must be serviced before the loop waits: it sent or received since a read
    /// last found nothing, so its descriptor may not announce what it holds
    /// (``ZeroMQ/Socket/mayHaveUnannouncedEvents``).
    var needsService: Bool { get }

    /// The earliest time ``fireTimers(now:)`` has something to do, or nil.
    var nextDeadline: ContinuousClock.Instant? { get }

    /// Expires deadlines that have passed.
    func fireTimers(now: ContinuousClock.Instant)

    /// Closes the sockets; the loop ends after this.
    func stop()
}
