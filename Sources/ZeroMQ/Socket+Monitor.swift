internal import CZeroMQ

/// Connection events a socket can report through a monitor (`zmq_socket_monitor`).
public struct SocketEvents: OptionSet, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// A connection to a peer was established (TCP level).
    public static let connected = SocketEvents(rawValue: ZMQ_EVENT_CONNECTED)
    /// A connection was lost: the peer closed it, died, or stopped answering heartbeats.
    public static let disconnected = SocketEvents(rawValue: ZMQ_EVENT_DISCONNECTED)
    /// A connection was closed.
    public static let closed = SocketEvents(rawValue: ZMQ_EVENT_CLOSED)
    /// The ZMTP handshake with a peer succeeded: messages can flow.
    public static let handshakeSucceeded = SocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    /// The peer refused this side's credentials (CURVE: the server's ZAP handler said no); the
    /// value is the ZAP status code, e.g. 400.
    public static let handshakeFailedAuth = SocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    /// The ZMTP handshake failed for a protocol error (CURVE: a peer with the wrong keys).
    public static let handshakeFailedProtocol = SocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
}

/// One event a socket monitor reported.
public struct SocketEvent: Hashable, Sendable {
    /// What happened (one event).
    public let event: SocketEvents
    /// The event's value (a descriptor, an error number or an interval, depending on the event).
    public let value: UInt32
    /// The endpoint it concerns, e.g. `tcp://127.0.0.1:5555`.
    public let endpoint: String
}

extension Socket {
    /// Publishes this socket's `events` on `endpoint` (an `inproc://` address in the same
    /// context), where a ``SocketType/pair`` socket connects to read them with
    /// ``receiveMonitorEvent(dontWait:)``.
    ///
    /// ```swift
    /// try dealer.monitor("inproc://dealer-events", events: [.disconnected])
    /// let events = try Socket(context, type: .pair)
    /// try events.connect("inproc://dealer-events")
    /// try dealer.connect("tcp://127.0.0.1:5555")
    /// if let event = try events.receiveMonitorEvent(dontWait: true) { print(event.endpoint) }
    /// ```
    ///
    /// - Throws: ``ZMQError``: the endpoint is not `inproc://`, or is in use.
    public func monitor(_ endpoint: String, events: SocketEvents) throws(ZMQError) {
        let handle = try openHandle("zmq_socket_monitor(\(endpoint))")
        _ = try zmqCompletingCall("zmq_socket_monitor(\(endpoint))") {
            zmq_socket_monitor(handle, endpoint, events.rawValue)
        }
    }

    /// Reads one event from a monitor this ``SocketType/pair`` socket is connected to.
    ///
    /// - Parameter dontWait: Return `nil` instead of blocking when no event is queued.
    /// - Returns: The event; nil when none was queued (with `dontWait`) or the message was not a
    ///   monitor event.
    /// - Throws: ``ZMQError`` (a closed socket, a terminated context).
    public func receiveMonitorEvent(dontWait: Bool = false) throws(ZMQError) -> SocketEvent? {
        guard let frames = try receive(dontWait: dontWait, maxFrames: 2), frames.count == 2 else { return nil }
        // Frame 1: a 16-bit event number and a 32-bit value, in the host's byte order; frame 2: the endpoint.
        let header = frames[0].bytes
        guard header.count == 6 else { return nil }
        let (event, value) = header.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt16.self), $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        return SocketEvent(
            event: SocketEvents(rawValue: Int32(event)),
            value: value,
            endpoint: String(decoding: frames[1].bytes, as: UTF8.self)
        )
    }
}
