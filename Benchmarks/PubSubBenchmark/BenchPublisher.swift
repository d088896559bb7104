import BenchmarkKit
import ZRPCPubSub
import ZRPCTestKit

/// A round's ZRPC publisher on `bench`: bound to tcp://127.0.0.1:* for a subscriber that connects
/// straight to it, or connected to a `forward-zrpc` child started for the round.
struct BenchPublisher {
    /// The publisher.
    let publisher: Publisher<Zrpc_Testkit_FaultRequest>
    /// Where the round's subscriber connects: the publisher, or the forwarder's subscriber side.
    let subscriberEndpoint: String
    private let forwarder: BenchmarkChild?

    /// Starts the publisher (and the forwarder child first, when there is one).
    ///
    /// - Parameters:
    ///   - viaForwarder: Through a `PubSubForwarder` in a child process.
    ///   - forwarderHighWaterMark: The forwarder's high-water mark.
    ///   - configuration: The publisher's.
    /// - Throws: ``BenchmarkFailure`` or `RPCError` when either does not start.
    static func start(
        viaForwarder: Bool,
        forwarderHighWaterMark: Int,
        configuration: PublisherConfiguration
    ) async throws -> BenchPublisher {
        guard viaForwarder else {
            let publisher = try await Publisher<Zrpc_Testkit_FaultRequest>(
                topic: RawPublisher.topic,
                bind: "tcp://127.0.0.1:*",
                configuration: configuration
            )
            return BenchPublisher(publisher: publisher, subscriberEndpoint: publisher.endpoints[0], forwarder: nil)
        }
        let forwarder = try BenchmarkChild(arguments: ["forward-zrpc", "\(forwarderHighWaterMark)"])
        do {
            let sides = try ForwarderChild.endpoints(forwarder)
            let publisher = try await Publisher<Zrpc_Testkit_FaultRequest>(
                topic: RawPublisher.topic,
                connect: sides.publishers,
                configuration: configuration
            )
            return BenchPublisher(publisher: publisher, subscriberEndpoint: sides.subscribers, forwarder: forwarder)
        } catch {
            forwarder.stop()
            throw error
        }
    }

    /// Closes the publisher, then stops the forwarder child.
    func close() async {
        await publisher.close()
        forwarder?.stop()
    }
}
