internal import CZeroMQ

/// The readiness a ``Poller`` waits for and reports, and a socket's ``Socket/events``.
///
/// ```swift
/// let index = poller.add(socket, events: [.readable, .writable])
/// if poller.returnedEvents(at: index).contains(.readable) { ... }
/// ```
public struct PollEvents: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// libzmq's `ZMQ_POLL*` bits.
    public let rawValue: Int16

    /// Creates a set from libzmq's `ZMQ_POLL*` bits.
    ///
    /// - Parameters:
    ///   - rawValue: The bits.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// `ZMQ_POLLIN`: at least one message (or, for a file descriptor, data) can be read without blocking.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// `ZMQ_POLLOUT`: at least one message can be sent without blocking.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// `ZMQ_POLLERR`: an error condition on a file descriptor (never reported for ZeroMQ sockets).
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))

    /// For example `[readable, writable]`.
    public var description: String {
        var names: [String] = []
        if contains(.readable) { names.append("readable") }
        if contains(.writable) { names.append("writable") }
        if contains(.error) { names.append("error") }
        let known: PollEvents = [.readable, .writable, .error]
        let other = subtracting(known)
        if !other.isEmpty { names.append("0x\(String(other.rawValue, radix: 16))") }
        return "[\(names.joined(separator: ", "))]"
    }
}
