import Foundation
internal import ZeroMQ

/// Tells the server when a client's connection ends: a PAIR socket reading the ROUTER socket's
/// monitor (`ZMQ_EVENT_DISCONNECTED`). libzmq drops what it still queued for that client then, so
/// it is the moment to hand a burst's memory back (``MemoryRelease``).
struct ClientDepartures {
    private let events: Socket
    /// The reading end's place in the loop's poller.
    private var index: Int?

    /// Monitors `socket` (before it binds) and connects the reading end, in `context`.
    init(watching socket: Socket, context: Context) throws {
        let endpoint = "inproc://zrpc-server-monitor-\(UUID().uuidString)"
        try socket.monitor(endpoint, events: .disconnected)
        events = try Socket(context, type: .pair)
        do {
            try events.connect(endpoint)
        } catch {
            events.close()
            throw error
        }
    }

    /// Polls the reading end with the server's other sockets.
    mutating func add(to poller: DescriptorPoller) throws {
        index = try poller.add(events)
    }

    /// Whether the reading end may hold an event its descriptor did not announce.
    var mayHaveUnannouncedEvents: Bool { events.mayHaveUnannouncedEvents }

    /// Reads every queued event, when the poller or the socket says there may be one (so a busy
    /// server's rounds cost no read that finds nothing).
    ///
    /// - Returns: Whether a client disconnected since the last look.
    func anyLeft(poller: DescriptorPoller?) throws -> Bool {
        guard events.mayHaveUnannouncedEvents || index.map({ poller?.isReady(at: $0) ?? true }) ?? false else {
            return false
        }
        var left = false
        while let event = try events.receiveMonitorEvent(dontWait: true) {
            if event.event.contains(.disconnected) { left = true }
        }
        return left
    }

    func close() {
        events.close()
    }
}
