import Testing
import ZeroMQ

/// `zmq_socket_monitor` through ``Socket/monitor(_:events:)``: a connecting socket learns when its
/// peer goes away.
@Suite struct MonitorTests {
    @Test("a monitored DEALER reports the handshake, then the disconnect when its peer closes")
    func disconnectReported() throws {
        let context = try Context()
        defer { context.shutdown() }
        let router = try Socket(context, type: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let dealer = try Socket(context, type: .dealer)
        defer { dealer.close() }
        let monitorEndpoint = "inproc://\(uniqueName())"
        try dealer.monitor(monitorEndpoint, events: [.handshakeSucceeded, .disconnected])
        let events = try Socket(context, type: .pair)
        defer { events.close() }
        try events.set(.receiveTimeout, .seconds(5))
        try events.connect(monitorEndpoint)
        try dealer.connect(endpoint)

        let up = try #require(try events.receiveMonitorEvent())
        #expect(up.event == .handshakeSucceeded)
        #expect(up.endpoint == endpoint)

        router.close()
        let down = try #require(try events.receiveMonitorEvent())
        #expect(down.event == .disconnected)
        #expect(down.endpoint == endpoint)
        #expect(try events.receiveMonitorEvent(dontWait: true) == nil)
    }
}
