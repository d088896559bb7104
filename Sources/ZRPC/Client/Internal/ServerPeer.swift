import Foundation
internal import ZeroMQ

/// One server a client talks to: a DEALER socket connected to its endpoint alone, and a PAIR
/// socket reading that socket's monitor, which says when the connection is lost (the server
/// closed it or died, or stopped answering heartbeats).
///
/// One socket per endpoint, rather than one DEALER connected to all of them, is what lets the
/// client know which server each call went to, and so fail exactly the calls of a server that
/// went away.
struct ServerPeer {
    /// Whether the client sends it new calls.
    enum State {
        /// New calls go to it.
        case active
        /// Left out of the endpoints (a directory update): no new calls; the calls already sent
        /// to it finish, then it is closed.
        case retired
        /// Its sockets are closed.
        case closed
    }

    let endpoint: String
    let socket: Socket
    let events: Socket
    /// The socket's place in the ZAP handler, if the client is configured as a CURVE server.
    let zap: ZAPRegistration?
    var state = State.active

    /// Makes the sockets (on the I/O thread); ``connect()`` starts connecting.
    init(endpoint: String, context: Context, configuration: Client.Configuration) throws {
        self.endpoint = endpoint
        socket = try Socket(context, type: .dealer)
        do {
            try socket.set(.immediate, true)  // messages go only to a connected server
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.receiveHighWaterMark, 100_000)
            try socket.set(.maxMessageSize, configuration.maxFrameBytes)
            try socket.set(.reconnectInterval, configuration.reconnectInterval)
            try socket.set(.heartbeatInterval, configuration.heartbeatInterval)
            try socket.set(.heartbeatTimeout, configuration.heartbeatTimeout)
            zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
            let monitor = "inproc://zrpc-client-monitor-\(UUID().uuidString)"
            try socket.monitor(monitor, events: .disconnected)
            events = try Socket(context, type: .pair)
            try events.connect(monitor)
        } catch {
            socket.close()
            throw error
        }
    }

    /// Starts connecting (libzmq connects and reconnects in the background).
    func connect(poller: DescriptorPoller) throws {
        try socket.connect(endpoint)
        try poller.add(socket)
        try poller.add(events)
    }

    /// Whether either socket may hold something its descriptor did not announce.
    var mayHaveUnannouncedEvents: Bool {
        state != .closed && (socket.mayHaveUnannouncedEvents || events.mayHaveUnannouncedEvents)
    }

    /// Whether a connection was lost since the last look (reads every queued monitor event).
    func connectionLost() throws -> Bool {
        var lost = false
        while let event = try events.receiveMonitorEvent(dontWait: true) {
            if event.event.contains(.disconnected) { lost = true }
        }
        return lost
    }

    /// Closes both sockets and stops polling them.
    mutating func close(poller: DescriptorPoller?) {
        guard state != .closed else { return }
        state = .closed
        poller?.remove(socket)
        poller?.remove(events)
        events.close()
        socket.close()
    }
}
