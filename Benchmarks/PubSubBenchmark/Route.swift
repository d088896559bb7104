/// The ways a throughput row's messages go from the publisher (in the driver) to the subscriber
/// (a child process).
enum Route: CaseIterable, Hashable, Sendable {
    /// Raw libzmq: an XPUB socket straight to a SUB socket.
    case rawDirect
    /// ZRPC: a `Publisher` straight to a `Subscription`.
    case zrpcDirect
    /// Raw libzmq: XPUB → `zmq_proxy` (XSUB/XPUB, a child process) → SUB.
    case rawProxy
    /// ZRPC: `Publisher` → `PubSubForwarder` (a child process) → `Subscription`.
    case zrpcForwarder

    /// Whether raw libzmq sends and receives.
    var isRaw: Bool { self == .rawDirect || self == .rawProxy }

    /// Whether a forwarder child stands between publisher and subscriber.
    var viaForwarder: Bool { self == .rawProxy || self == .zrpcForwarder }

    /// How the report names it.
    var label: String {
        switch self {
        case .rawDirect: "raw XPUB → SUB"
        case .zrpcDirect: "ZRPC Publisher → Subscription"
        case .rawProxy: "raw XPUB → zmq_proxy → SUB"
        case .zrpcForwarder: "ZRPC Publisher → PubSubForwarder → Subscription"
        }
    }

    /// How progress lines name it.
    var shortLabel: String {
        switch self {
        case .rawDirect: "raw direct"
        case .zrpcDirect: "ZRPC direct"
        case .rawProxy: "raw proxy"
        case .zrpcForwarder: "ZRPC forwarder"
        }
    }
}
