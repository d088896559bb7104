import Testing
import ZeroMQ

@Suite struct OptionTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    func roundTrip<Value: Equatable>(
        _ socket: Socket,
        _ option: SocketOption<Value>,
        _ values: Value...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for value in values {
            try socket.set(option, value)
            #expect(try socket.get(option) == value, "\(option)", sourceLocation: sourceLocation)
        }
    }

    @Test func newSocketsHaveZeroLinger() throws {
        let socket = try Socket(context, type: .dealer)
        #expect(try socket.get(.linger) == .zero)
    }

    @Test func durations() throws {
        let socket = try Socket(context, type: .dealer)
        try roundTrip(socket, .linger, .milliseconds(250), nil, .zero)
        try roundTrip(socket, .sendTimeout, .milliseconds(1500), nil, .zero)
        try roundTrip(socket, .receiveTimeout, .milliseconds(10), nil, .seconds(3))
        try roundTrip(socket, .heartbeatInterval, .seconds(1), .zero)
        #expect(try socket.get(.heartbeatTimeout) == nil)  // unset: the heartbeat interval applies
        try roundTrip(socket, .heartbeatTimeout, .milliseconds(3000), .zero)
        expectZMQError(.invalidArgument) { try socket.set(.heartbeatTimeout, nil) }
        try roundTrip(socket, .heartbeatTTL, .milliseconds(2000), .milliseconds(100), .zero)
        try roundTrip(socket, .handshakeInterval, .milliseconds(5000), .zero)
        try roundTrip(socket, .reconnectInterval, .milliseconds(200), nil)
        try roundTrip(socket, .reconnectIntervalMax, .seconds(2), .zero)
        try roundTrip(socket, .connectTimeout, .seconds(1), .zero)
        // Sub-millisecond durations round up, never down to "don't wait".
        try socket.set(.receiveTimeout, .microseconds(1500))
        #expect(try socket.get(.receiveTimeout) == .milliseconds(2))
        try socket.set(.receiveTimeout, .nanoseconds(1))
        #expect(try socket.get(.receiveTimeout) == .milliseconds(1))
    }

    @Test func numbersAndFlags() throws {
        let socket = try Socket(context, type: .dealer)
        try roundTrip(socket, .sendHighWaterMark, 123, 0)
        try roundTrip(socket, .receiveHighWaterMark, 456, 0)
        try roundTrip(socket, .backlog, 50)
        try roundTrip(socket, .maxMessageSize, 1 << 20, -1)
        try roundTrip(socket, .immediate, true, false)
        try roundTrip(socket, .ipv6, true, false)
        try roundTrip(socket, .conflate, true, false)
        try roundTrip(socket, .invertMatching, true, false)
        try roundTrip(socket, .tcpKeepAlive, true, false, nil)
        try roundTrip(socket, .routingID, [1, 2, 3], Array(repeating: 7, count: 255))
    }

    @Test func securityOptions() throws {
        let socket = try Socket(context, type: .dealer)
        let keys = try CurveKeyPair.generate()
        let server = try CurveKeyPair.generate()
        try roundTrip(socket, .curveServer, true, false)
        try roundTrip(socket, .curvePublicKey, keys.publicKey)
        try roundTrip(socket, .curveSecretKey, keys.secretKey)
        try roundTrip(socket, .curveServerKey, server.publicKey)
        try roundTrip(socket, .zapDomain, "global", String(repeating: "d", count: 255))
        expectZMQError(.invalidArgument) { try socket.set(.zapDomain, "") }  // libzmq 4.3.4 cannot clear it
    }

    @Test func writeOnlyOptionsCanBeSet() throws {
        let router = try Socket(context, type: .router)
        try router.set(.routerMandatory, true)
        try router.set(.routerHandover, true)
        let dealer = try Socket(context, type: .dealer)
        try dealer.set(.probeRouter, true)
        let xpub = try Socket(context, type: .xpublish)
        try xpub.set(.xpubVerbose, true)
        try xpub.set(.xpubNoDrop, true)
        let sub = try Socket(context, type: .subscribe)
        try sub.set(.subscribe, Array("topic".utf8))
        try sub.set(.unsubscribe, Array("topic".utf8))
        try sub.subscribe("")
        try sub.unsubscribe("")
    }

    @Test func readOnlyProperties() throws {
        let socket = try Socket(context, type: .pull)
        #expect(try socket.get(.type) == .pull)
        #expect(try socket.get(.receiveMore) == false)
        #expect(try socket.hasMoreFrames == false)
        #expect(try socket.get(.lastEndpoint) == "")
        #expect(try socket.lastEndpoint == "")
        #expect(try socket.events == [])
        #expect(try socket.get(.events) == [])
        let push = try Socket(context, type: .push)
        let endpoint = "inproc://\(uniqueName())"
        try socket.bind(endpoint)
        try push.connect(endpoint)
        #expect(try socket.lastEndpoint == endpoint)
        #expect(try push.events.contains(.writable))
    }

    @Test func invalidValuesThrow() throws {
        let socket = try Socket(context, type: .dealer)
        expectZMQError(.invalidArgument) { try socket.set(.linger, .milliseconds(-5)) }
        expectZMQError(.invalidArgument) { try socket.set(.sendHighWaterMark, Int.max) }
        expectZMQError(.invalidArgument) { try socket.set(.sendHighWaterMark, -1) }
        expectZMQError(.invalidArgument) { try socket.set(.receiveTimeout, .seconds(Int64.max)) }
        expectZMQError(.invalidArgument) { try socket.set(.curveServerKey, "short") }
        expectZMQError(.invalidArgument) { try socket.set(.curveServerKey, String(repeating: "~", count: 40)) }
        expectZMQError(.invalidArgument) { try socket.set(.routingID, []) }
        expectZMQError(.invalidArgument) { try socket.set(.zapDomain, "nul\u{0}inside") }
        // Options a socket type does not support.
        expectZMQError(.invalidArgument) { try socket.set(.routerMandatory, true) }
        expectZMQError(.invalidArgument) { try socket.set(.subscribe, []) }
        let error = expectZMQError(.invalidArgument) { try socket.set(.heartbeatTTL, .seconds(100_000)) }
        #expect(error?.operation == "zmq_setsockopt(ZMQ_HEARTBEAT_TTL)")
    }
}
