internal import CZeroMQ

/// A socket option that can be both set and read, with the Swift type of its value.
///
/// ```swift
/// try socket.set(.linger, .milliseconds(100))
/// try socket.set(.receiveHighWaterMark, 10_000)
/// let timeout = try socket.get(.receiveTimeout)   // Duration?, nil = wait forever
/// ```
///
/// Options libzmq only lets you set are ``WriteOnlySocketOption``s; options it only lets you read are
/// ``ReadOnlySocketOption``s, so misuse does not compile.
public struct SocketOption<Value>: Sendable, CustomStringConvertible {
    let definition: OptionDefinition<Value>

    init(_ name: String, _ code: Int32, _ codec: OptionCodec<Value>) {
        definition = OptionDefinition(name: name, code: code, codec: codec)
    }

    /// libzmq's name for the option, for example `ZMQ_LINGER`.
    public var description: String { definition.name }
}

/// A socket option libzmq lets you set but not read (for example ``subscribe``).
///
/// ```swift
/// try subscriber.set(.subscribe, Array("weather.".utf8))
/// try router.set(.routerMandatory, true)
/// ```
public struct WriteOnlySocketOption<Value>: Sendable, CustomStringConvertible {
    let definition: OptionDefinition<Value>

    init(_ name: String, _ code: Int32, _ codec: OptionCodec<Value>) {
        definition = OptionDefinition(name: name, code: code, codec: codec)
    }

    /// libzmq's name for the option, for example `ZMQ_SUBSCRIBE`.
    public var description: String { definition.name }
}

/// A socket property libzmq lets you read but not set (for example ``lastEndpoint``).
///
/// ```swift
/// let endpoint = try socket.get(.lastEndpoint)
/// ```
public struct ReadOnlySocketOption<Value>: Sendable, CustomStringConvertible {
    let definition: OptionDefinition<Value>

    init(_ name: String, _ code: Int32, _ codec: OptionCodec<Value>) {
        definition = OptionDefinition(name: name, code: code, codec: codec)
    }

    /// libzmq's name for the property, for example `ZMQ_LAST_ENDPOINT`.
    public var description: String { definition.name }
}

// MARK: - Options that can be set and read

extension SocketOption where Value == Duration? {
    /// `ZMQ_LINGER`: how long a closed socket keeps trying to deliver queued messages; `nil` = forever.
    ///
    /// Sockets created by this module start at zero. Never use `nil` unless something else bounds the wait:
    /// terminating the context waits for it.
    public static var linger: Self { .init("ZMQ_LINGER", ZMQ_LINGER, .millisecondsOrNil) }
    /// `ZMQ_SNDTIMEO`: how long a blocking send waits before it returns `false`; `nil` = forever (default).
    public static var sendTimeout: Self { .init("ZMQ_SNDTIMEO", ZMQ_SNDTIMEO, .millisecondsOrNil) }
    /// `ZMQ_RCVTIMEO`: how long a blocking receive waits before it returns `nil`; `nil` = forever (default).
    public static var receiveTimeout: Self { .init("ZMQ_RCVTIMEO", ZMQ_RCVTIMEO, .millisecondsOrNil) }
    /// `ZMQ_HEARTBEAT_TIMEOUT`: how long to wait for any traffic after a PING before the connection is
    /// closed. Reads `nil` while unset, which means "the ``heartbeatInterval``"; libzmq cannot be set back to
    /// that state, so setting `nil` throws `invalidArgument`.
    public static var heartbeatTimeout: Self {
        .init("ZMQ_HEARTBEAT_TIMEOUT", ZMQ_HEARTBEAT_TIMEOUT, .millisecondsUnsetWhenNil)
    }
    /// `ZMQ_RECONNECT_IVL`: the wait before reconnecting a dropped connection (default 100 ms);
    /// `nil` = never reconnect.
    public static var reconnectInterval: Self { .init("ZMQ_RECONNECT_IVL", ZMQ_RECONNECT_IVL, .millisecondsOrNil) }
}

extension SocketOption where Value == Duration {
    /// `ZMQ_HEARTBEAT_IVL`: how often to send ZMTP PINGs on an idle connection; zero (default) = never.
    public static var heartbeatInterval: Self { .init("ZMQ_HEARTBEAT_IVL", ZMQ_HEARTBEAT_IVL, .milliseconds) }
    /// `ZMQ_HEARTBEAT_TTL`: the time-to-live the peer should apply to this side; libzmq keeps whole
    /// deciseconds (under 100 ms has no effect), up to 6553.5 s.
    public static var heartbeatTTL: Self { .init("ZMQ_HEARTBEAT_TTL", ZMQ_HEARTBEAT_TTL, .milliseconds) }
    /// `ZMQ_HANDSHAKE_IVL`: how long a new connection may take to complete its handshake (default 30 s);
    /// zero = no limit. Bounds peers that connect and say nothing.
    public static var handshakeInterval: Self { .init("ZMQ_HANDSHAKE_IVL", ZMQ_HANDSHAKE_IVL, .milliseconds) }
    /// `ZMQ_RECONNECT_IVL_MAX`: the cap of the exponential reconnect backoff; zero (default) = no backoff.
    public static var reconnectIntervalMax: Self {
        .init("ZMQ_RECONNECT_IVL_MAX", ZMQ_RECONNECT_IVL_MAX, .milliseconds)
    }
    /// `ZMQ_CONNECT_TIMEOUT`: how long a TCP connect may take; zero (default) = the system's limit.
    public static var connectTimeout: Self { .init("ZMQ_CONNECT_TIMEOUT", ZMQ_CONNECT_TIMEOUT, .milliseconds) }
}

extension SocketOption where Value == Int {
    /// `ZMQ_SNDHWM`: the most messages queued per peer for sending (default 1000; 0 = no limit).
    /// At the limit PUB drops, PUSH/DEALER/REQ block (or return `false` with `dontWait`).
    public static var sendHighWaterMark: Self { .init("ZMQ_SNDHWM", ZMQ_SNDHWM, .int32) }
    /// `ZMQ_RCVHWM`: the most messages queued per peer for receiving (default 1000; 0 = no limit).
    public static var receiveHighWaterMark: Self { .init("ZMQ_RCVHWM", ZMQ_RCVHWM, .int32) }
    /// `ZMQ_BACKLOG`: the listen backlog of pending TCP/IPC connections (default 100).
    public static var backlog: Self { .init("ZMQ_BACKLOG", ZMQ_BACKLOG, .int32) }
}

extension SocketOption where Value == Int64 {
    /// `ZMQ_MAXMSGSIZE`: the largest frame accepted from a peer, in bytes; a peer that sends a larger one
    /// is disconnected before libzmq allocates it. `-1` (default) = no limit.
    public static var maxMessageSize: Self { .init("ZMQ_MAXMSGSIZE", ZMQ_MAXMSGSIZE, .int64) }
}

extension SocketOption where Value == Bool {
    /// `ZMQ_IMMEDIATE`: queue messages only to completed connections (set it on DEALER and PUSH).
    public static var immediate: Self { .init("ZMQ_IMMEDIATE", ZMQ_IMMEDIATE, .bool) }
    /// `ZMQ_CURVE_SERVER`: act as a CURVE server (also set ``curveSecretKey``).
    public static var curveServer: Self { .init("ZMQ_CURVE_SERVER", ZMQ_CURVE_SERVER, .bool) }
    /// `ZMQ_IPV6`: allow IPv6 addresses on TCP endpoints (default `false`).
    public static var ipv6: Self { .init("ZMQ_IPV6", ZMQ_IPV6, .bool) }
    /// `ZMQ_CONFLATE`: keep only the last message (single-frame messages only; PULL, PUSH, SUB, PUB, DEALER).
    public static var conflate: Self { .init("ZMQ_CONFLATE", ZMQ_CONFLATE, .bool) }
    /// `ZMQ_INVERT_MATCHING`: PUB/XPUB/SUB deliver messages that do *not* match the subscriptions.
    public static var invertMatching: Self { .init("ZMQ_INVERT_MATCHING", ZMQ_INVERT_MATCHING, .bool) }
}

extension SocketOption where Value == Bool? {
    /// `ZMQ_TCP_KEEPALIVE`: TCP keep-alive on or off; `nil` (default) = the system's setting.
    public static var tcpKeepAlive: Self { .init("ZMQ_TCP_KEEPALIVE", ZMQ_TCP_KEEPALIVE, .boolOrNil) }
}

extension SocketOption where Value == [UInt8] {
    /// `ZMQ_ROUTING_ID`: the identity (1–255 bytes, not starting with a zero byte) a ROUTER peer sees for
    /// this socket; set it before connecting.
    public static var routingID: Self { .init("ZMQ_ROUTING_ID", ZMQ_ROUTING_ID, .bytes(capacity: 255)) }
}

extension SocketOption where Value == String {
    /// `ZMQ_CURVE_PUBLICKEY`: this socket's CURVE public key, as 40 Z85 characters (a CURVE client sets it).
    public static var curvePublicKey: Self { .init("ZMQ_CURVE_PUBLICKEY", ZMQ_CURVE_PUBLICKEY, .curveKey) }
    /// `ZMQ_CURVE_SECRETKEY`: this socket's CURVE secret key, as 40 Z85 characters (client and server set it).
    public static var curveSecretKey: Self { .init("ZMQ_CURVE_SECRETKEY", ZMQ_CURVE_SECRETKEY, .curveKey) }
    /// `ZMQ_CURVE_SERVERKEY`: the server's CURVE public key, as 40 Z85 characters (a CURVE client sets it).
    public static var curveServerKey: Self { .init("ZMQ_CURVE_SERVERKEY", ZMQ_CURVE_SERVERKEY, .curveKey) }
    /// `ZMQ_ZAP_DOMAIN`: the authentication domain passed to the ZAP handler (1–255 bytes; libzmq 4.3.4
    /// rejects an empty domain, so once set it cannot be cleared).
    public static var zapDomain: Self { .init("ZMQ_ZAP_DOMAIN", ZMQ_ZAP_DOMAIN, .string(capacity: 256)) }
}

// MARK: - Options that can only be set

extension WriteOnlySocketOption where Value == Bool {
    /// `ZMQ_ROUTER_MANDATORY`: a ROUTER reports unroutable messages (`hostUnreachable`, or `false`/blocking
    /// at the high-water mark) instead of dropping them silently.
    public static var routerMandatory: Self { .init("ZMQ_ROUTER_MANDATORY", ZMQ_ROUTER_MANDATORY, .bool) }
    /// `ZMQ_ROUTER_HANDOVER`: a ROUTER hands a routing id over to a new connection that claims it.
    public static var routerHandover: Self { .init("ZMQ_ROUTER_HANDOVER", ZMQ_ROUTER_HANDOVER, .bool) }
    /// `ZMQ_PROBE_ROUTER`: send an empty message to the ROUTER peer when a connection is made.
    public static var probeRouter: Self { .init("ZMQ_PROBE_ROUTER", ZMQ_PROBE_ROUTER, .bool) }
    /// `ZMQ_XPUB_VERBOSE`: an XPUB passes every subscription message up, not only new ones.
    public static var xpubVerbose: Self { .init("ZMQ_XPUB_VERBOSE", ZMQ_XPUB_VERBOSE, .bool) }
    /// `ZMQ_XPUB_NODROP`: an XPUB/PUB at the high-water mark fails the send (`false` with `dontWait`)
    /// instead of dropping the message.
    public static var xpubNoDrop: Self { .init("ZMQ_XPUB_NODROP", ZMQ_XPUB_NODROP, .bool) }
    /// `ZMQ_XPUB_MANUAL`: an XPUB passes every subscription message up, with the sender's metadata
    /// (`User-Id`), and applies none itself: after receiving one, set ``WriteOnlySocketOption/subscribe``
    /// or ``WriteOnlySocketOption/unsubscribe`` on the XPUB to apply it to the peer that sent it.
    ///
    /// ```swift
    /// try xpub.set(.xpubManual, true)
    /// ```
    public static var xpubManual: Self { .init("ZMQ_XPUB_MANUAL", ZMQ_XPUB_MANUAL, .bool) }
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (93): a CURVE/PLAIN server refuses every connection when no ZAP handler is
    /// bound to `inproc://zeromq.zap.01` in its context, instead of letting it through unauthenticated.
    ///
    /// libzmq 4.3.4 lists it under its draft API (the header hides the constant), but builds with draft
    /// support, Debian's among them, accept it; a build without throws `invalidArgument`.
    ///
    /// ```swift
    /// try server.set(.zapDomain, "zrpc")
    /// try server.set(.zapEnforceDomain, true)
    /// ```
    public static var zapEnforceDomain: Self { .init("ZMQ_ZAP_ENFORCE_DOMAIN", 93, .bool) }
}

extension WriteOnlySocketOption where Value == [UInt8] {
    /// `ZMQ_SUBSCRIBE`: a SUB receives messages whose first frame starts with this prefix (empty = all).
    public static var subscribe: Self { .init("ZMQ_SUBSCRIBE", ZMQ_SUBSCRIBE, .bytes(capacity: 0)) }
    /// `ZMQ_UNSUBSCRIBE`: removes one earlier ``subscribe`` of the same prefix.
    public static var unsubscribe: Self { .init("ZMQ_UNSUBSCRIBE", ZMQ_UNSUBSCRIBE, .bytes(capacity: 0)) }
}

// MARK: - Properties that can only be read

extension ReadOnlySocketOption where Value == SocketType {
    /// `ZMQ_TYPE`: the socket's type.
    public static var type: Self { .init("ZMQ_TYPE", ZMQ_TYPE, .socketType) }
}

extension ReadOnlySocketOption where Value == Bool {
    /// `ZMQ_RCVMORE`: whether the last frame received is followed by more frames of the same message.
    public static var receiveMore: Self { .init("ZMQ_RCVMORE", ZMQ_RCVMORE, .bool) }
}

extension ReadOnlySocketOption where Value == String {
    /// `ZMQ_LAST_ENDPOINT`: the endpoint last bound or connected, with wildcards resolved
    /// (`tcp://127.0.0.1:*` becomes `tcp://127.0.0.1:41234`); empty if none.
    public static var lastEndpoint: Self {
        .init("ZMQ_LAST_ENDPOINT", ZMQ_LAST_ENDPOINT, .string(capacity: 1024))
    }
}

extension ReadOnlySocketOption where Value == PollEvents {
    /// `ZMQ_EVENTS`: whether a message can be received (`.readable`) or sent (`.writable`) right now.
    public static var events: Self { .init("ZMQ_EVENTS", ZMQ_EVENTS, .pollEvents) }
}
