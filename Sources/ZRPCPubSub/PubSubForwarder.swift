import ServiceLifecycle
import Synchronization
import ZRPC
internal import ZeroMQ

/// A pub/sub forwarder: publishers connect to one address, subscribers to another, and every
/// message goes from the first to the second (ZeroMQ XSUB in, XPUB out), so neither side needs
/// to know the other. Subscriptions travel upstream to the publishers, which filter at the
/// source; the forwarder counts messages in and out per topic group and answers welcomes.
///
/// ```swift
/// let forwarder = try await PubSubForwarder(configuration: .init(publisherEndpoint: "tcp://*:7200",
///                                                                 subscriberEndpoint: "tcp://*:7201"))
/// let prices = try await Publisher<Price>(topic: "prices", connect: forwarder.publisherEndpoint)
/// let watcher = try await Subscription<Price>(connect: forwarder.subscriberEndpoint, topics: ["prices."])
/// …
/// await forwarder.close()
/// ```
///
/// It is a `Service` too: `run()` forwards until graceful shutdown (the `zrpc-forwarder`
/// executable runs one in a `ServiceGroup`). It runs its own loop rather than libzmq's proxy, to
/// count and to answer welcomes (docs/PUBSUB.md, "The forwarder").
public final class PubSubForwarder: Service, Sendable {
    /// What this forwarder was made with.
    public let configuration: ForwarderConfiguration
    /// Where publishers connect (a wildcard port resolved).
    public let publisherEndpoint: String
    /// Where subscribers connect (a wildcard port resolved).
    public let subscriberEndpoint: String
    /// The forwarder's identifier in the welcomes it sends.
    public let id: PublisherID

    private let loop: IOLoop<ForwarderDriver>
    private let counters: ForwarderCounters

    /// Binds both endpoints and starts forwarding.
    ///
    /// ```swift
    /// let forwarder = try await PubSubForwarder()
    /// print(forwarder.publisherEndpoint, forwarder.subscriberEndpoint)
    /// ```
    ///
    /// - Parameter configuration: Endpoints, high-water mark, statistics depth.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a malformed endpoint, `UNAVAILABLE`
    ///   when one cannot be bound.
    public init(configuration: ForwarderConfiguration = .defaults) async throws {
        guard configuration.highWaterMark >= 1, configuration.highWaterMark <= Int(Int32.max) else {
            throw RPCError(code: .invalidArgument, message: "a forwarder's high-water mark must be 1 or more")
        }
        for prefix in configuration.lastValueCache { try Topic.validate(prefix: prefix) }
        guard configuration.maxCachedTopics >= 0 else {
            throw RPCError(code: .invalidArgument, message: "a forwarder's maxCachedTopics must not be negative")
        }
        let id = PublisherID.random()
        let counters = ForwarderCounters()
        let loop: IOLoop<ForwarderDriver>
        let context: Context
        do {
            loop = try IOLoop(name: configuration.name)
            context = try configuration.transportContext?.context ?? Context()
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not start a forwarder", cause: error)
        }
        let endpoints = Mutex<(String, String)>(("", ""))
        try await loop.start {
            let driver = try ForwarderDriver(
                context: context,
                id: id,
                configuration: configuration,
                statistics: counters
            )
            endpoints.withLock { $0 = (driver.publisherEndpoint, driver.subscriberEndpoint) }
            return driver
        }
        self.configuration = configuration
        self.id = id
        self.counters = counters
        self.loop = loop
        (publisherEndpoint, subscriberEndpoint) = endpoints.withLock { $0 }
        configuration.logger.info(
            "forwarder started",
            metadata: [
                "publishers-connect-to": "\(publisherEndpoint)", "subscribers-connect-to": "\(subscriberEndpoint)",
                "high-water-mark": "\(configuration.highWaterMark)",
            ]
        )
    }

    deinit {
        loop.requestStop()
    }

    /// The counters now (updated after every batch the forwarder passes on).
    ///
    /// ```swift
    /// for (group, counts) in forwarder.statistics.topics { print(group, counts.messagesIn, counts.messagesOut) }
    /// ```
    public var statistics: ForwarderStatistics { counters.state.withLock { $0 } }

    /// Forwards until graceful shutdown or cancellation, then closes.
    ///
    /// ```swift
    /// let group = ServiceGroup(services: [forwarder], gracefulShutdownSignals: [.sigterm], logger: logger)
    /// try await group.run()
    /// ```
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Stops forwarding and closes both sockets (what libzmq holds is dropped). Idempotent.
    ///
    /// ```swift
    /// await forwarder.close()
    /// ```
    public func close() async {
        await loop.shutdown()
    }

    /// Runs `body` with a forwarder and closes it afterwards.
    ///
    /// ```swift
    /// try await PubSubForwarder.withForwarder { forwarder in
    ///     let publisher = try await Publisher<Price>(topic: "prices", connect: forwarder.publisherEndpoint)
    ///     …
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: Endpoints, high-water mark, statistics depth.
    ///   - body: Uses the forwarder.
    /// - Returns: What `body` returned.
    /// - Throws: What creating the forwarder or `body` threw.
    nonisolated(nonsending) public static func withForwarder<Result: Sendable>(
        configuration: ForwarderConfiguration = .defaults,
        _ body: (PubSubForwarder) async throws -> Result
    ) async throws -> Result {
        let forwarder = try await PubSubForwarder(configuration: configuration)
        do {
            let result = try await body(forwarder)
            await forwarder.close()
            return result
        } catch {
            await forwarder.close()
            throw error
        }
    }
}
