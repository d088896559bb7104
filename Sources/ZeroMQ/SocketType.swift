internal import CZeroMQ

/// The kind of a ZeroMQ socket, which fixes its messaging pattern.
///
/// ```swift
/// let router = try Socket(context, type: .router)
/// ```
public struct SocketType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// libzmq's numeric socket type (`ZMQ_REQ`, ...).
    public let rawValue: Int32

    /// Creates a socket type from libzmq's numeric value.
    ///
    /// - Parameters:
    ///   - rawValue: The `ZMQ_*` socket type number.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// `ZMQ_REQ`: sends a request, then must receive its reply (strict lock-step).
    public static let request = SocketType(rawValue: ZMQ_REQ)
    /// `ZMQ_REP`: receives a request, then must send its reply.
    public static let reply = SocketType(rawValue: ZMQ_REP)
    /// `ZMQ_DEALER`: asynchronous request side; load-balances outgoing, fair-queues incoming messages.
    public static let dealer = SocketType(rawValue: ZMQ_DEALER)
    /// `ZMQ_ROUTER`: asynchronous reply side; prefixes each message with the sender's routing id.
    public static let router = SocketType(rawValue: ZMQ_ROUTER)
    /// `ZMQ_PUSH`: pipeline sender; load-balances messages over connected pullers.
    public static let push = SocketType(rawValue: ZMQ_PUSH)
    /// `ZMQ_PULL`: pipeline receiver; fair-queues messages from pushers.
    public static let pull = SocketType(rawValue: ZMQ_PULL)
    /// `ZMQ_PUB`: publisher; sends to every matching subscriber, drops at the high-water mark.
    public static let publish = SocketType(rawValue: ZMQ_PUB)
    /// `ZMQ_SUB`: subscriber; receives messages whose first frame starts with a subscribed prefix.
    public static let subscribe = SocketType(rawValue: ZMQ_SUB)
    /// `ZMQ_XPUB`: publisher that also receives subscriptions (`\u{1}topic`) and unsubscriptions (`\u{0}topic`).
    public static let xpublish = SocketType(rawValue: ZMQ_XPUB)
    /// `ZMQ_XSUB`: subscriber that subscribes by sending `\u{1}topic` messages.
    public static let xsubscribe = SocketType(rawValue: ZMQ_XSUB)
    /// `ZMQ_PAIR`: exclusive connection to exactly one peer.
    public static let pair = SocketType(rawValue: ZMQ_PAIR)

    /// The libzmq name, for example `ROUTER`.
    public var description: String {
        switch self {
        case .request: "REQ"
        case .reply: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .push: "PUSH"
        case .pull: "PULL"
        case .publish: "PUB"
        case .subscribe: "SUB"
        case .xpublish: "XPUB"
        case .xsubscribe: "XSUB"
        case .pair: "PAIR"
        default: "SocketType(\(rawValue))"
        }
    }
}
