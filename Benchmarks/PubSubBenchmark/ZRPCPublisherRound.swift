import BenchmarkKit
import ZRPCPubSub
import ZRPCTestKit

/// The ZRPC side of a throughput round: a `Publisher` on this task with back-pressure
/// (`whenFull: .wait`, `ZMQ_XPUB_NODROP` underneath: `publish` waits for room rather than drop)
/// publishes `count` events on `bench`, encoding each, to a `sub-zrpc` child, directly or
/// through a `forward-zrpc` child. It starts once `waitForSubscribers(1)` says the subscriber's
/// prefixes reached it (through the forwarder too: the forwarder passes them upstream).
enum ZRPCPublisherRound {
    /// One round.
    ///
    /// - Parameters:
    ///   - payload: What each event carries.
    ///   - count: Events to publish.
    ///   - viaForwarder: Through a `PubSubForwarder` in a child process.
    /// - Returns: What the publisher and the subscriber measured.
    /// - Throws: ``BenchmarkFailure`` or `RPCError` when the round does not complete.
    static func run(_ payload: Payload, count: Int, viaForwarder: Bool) async throws -> RoundFigures {
        let bench = try await BenchPublisher.start(
            viaForwarder: viaForwarder,
            forwarderHighWaterMark: count,
            configuration: PublisherConfiguration(whenFull: .wait(timeout: .seconds(30)))
        )
        let publisher = bench.publisher
        do {
            let subscriber = try BenchmarkChild(arguments: ["sub-zrpc", "\(count)", bench.subscriberEndpoint])
            defer { subscriber.stop() }
            try await publisher.waitForSubscribers(1, timeout: .seconds(30))
            let message = payload.message
            let cpu = processCPUSeconds()
            for _ in 0..<count {
                try await publisher.publish(message)
            }
            let received = try await onDedicatedThread(name: "wait-subscriber") {
                Result { try ReceiverResult(from: subscriber, expected: count) }
            }
            .get()
            let figures = RoundFigures(received, publisherCPUSeconds: processCPUSeconds() - cpu)
            await bench.close()
            return figures
        } catch {
            await bench.close()
            throw error
        }
    }
}
