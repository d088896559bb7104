import BenchmarkKit
import Foundation
import Logging
import ZRPCPubSub
import ZeroMQ

/// The forwarding children: `forward-zrpc HWM` (a `PubSubForwarder`, as `zrpc-forwarder` runs it)
/// and `proxy-raw HWM` (libzmq's `zmq_proxy` between an XSUB and an XPUB socket) bind
/// tcp://127.0.0.1:* twice, print `ENDPOINT <publishers' endpoint> <subscribers' endpoint>` and
/// forward until the driver goes away.
///
/// Neither back-pressures its publishers when a subscriber is slow: the XPUB drops for that
/// subscriber at its high-water mark. The throughput rows give them a high-water mark of the
/// whole round, so they queue rather than drop; the drops rows a small one.
enum ForwarderChild {
    /// A `PubSubForwarder` with high-water mark `hwm` (both sockets).
    static func runZRPC(highWaterMark hwm: Int) async throws -> Never {
        ParentLink.start()
        var logger = Logger(label: "pubsub-benchmark.forwarder")
        logger.logLevel = .warning
        let forwarder = try await PubSubForwarder(configuration: .init(highWaterMark: hwm, logger: logger))
        ParentLink.say("ENDPOINT \(forwarder.publisherEndpoint) \(forwarder.subscriberEndpoint)")
        while true { try await Task.sleep(for: .seconds(60)) }
    }

    /// `zmq_proxy` between an XSUB (receive high-water mark `hwm`) and an XPUB (send high-water
    /// mark `hwm`), on this thread.
    static func runRaw(highWaterMark hwm: Int) throws -> Never {
        ParentLink.start()
        let context = try Context()
        let frontend = try Socket(context, type: .xsubscribe)
        let backend = try Socket(context, type: .xpublish)
        try frontend.set(.receiveHighWaterMark, hwm)
        try backend.set(.sendHighWaterMark, hwm)
        try frontend.bind("tcp://127.0.0.1:*")
        try backend.bind("tcp://127.0.0.1:*")
        ParentLink.say("ENDPOINT \(try frontend.lastEndpoint) \(try backend.lastEndpoint)")
        try Proxy.run(frontend: frontend, backend: backend)
        throw BenchmarkFailure(message: "zmq_proxy returned")
    }

    /// The two endpoints a forwarding child printed.
    ///
    /// - Throws: ``BenchmarkFailure`` when it did not print two.
    static func endpoints(_ child: BenchmarkChild) throws -> (publishers: String, subscribers: String) {
        let sides = child.endpoint.split(separator: " ")
        guard sides.count == 2 else { throw BenchmarkFailure(message: "a forwarder printed \(child.endpoint)") }
        return (String(sides[0]), String(sides[1]))
    }
}
