import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import ZRPC

/// Keeps a ``ZRPC/CacheInterceptor`` correct across processes: every change made to it in this
/// process (a ``ZRPC/WriteThrough`` rule, `update`, `invalidate`) is published on the topic
/// `zrpc-cache.<name>.changes`, and every change published by another process's invalidator of the same
/// name is applied to it (versions keep an old change from undoing a newer one). When the
/// subscription sees a gap on that topic, or loses its connection, the cache is flushed: stale
/// answers are never served past the moment a loss is noticed. Flushes are counted and logged.
///
/// ```swift
/// let products = try CacheInterceptor(methods: [Catalog.Method.GetProduct.descriptor], writeThrough: [setPrice])
/// let invalidator = try await CacheInvalidator(
///     name: "products", cache: products,
///     publishTo: "tcp://forwarder:7200", subscribeTo: "tcp://forwarder:7201")
/// // … calls through a client with `products` among its interceptors …
/// await invalidator.close()
/// ```
///
/// Both endpoints are a ``PubSubForwarder``'s: the initialiser returns once its own subscription
/// has gone round through the forwarder and back to its own publisher (so every invalidator
/// connected before it receives what it publishes, and it receives theirs). It is a `Service`
/// too: `run()` waits for graceful shutdown, then closes it.
public final class CacheInvalidator: Service, Sendable {
    /// The cache's name, the same in every process that shares it.
    public let name: String
    /// The cache it keeps correct.
    public let cache: CacheInterceptor
    /// The topic it publishes on and subscribes to: `zrpc-cache.<name>.changes`.
    public let topic: String

    private let publisher: Publisher<Zrpc_Pubsub_CacheInvalidation>
    private let subscription: Subscription<Zrpc_Pubsub_CacheInvalidation>
    private let counters = Mutex(CacheInvalidatorStatistics())
    /// Changes made here to publish; nil is a flush of the whole cache.
    private let outgoing: AsyncStream<CacheChange?>.Continuation
    private let tasks: Mutex<[Task<Void, Never>]>
    private let logger: Logger

    /// Connects to a forwarder, starts carrying `cache`'s changes both ways, and waits until its
    /// messages go round.
    ///
    /// ```swift
    /// let invalidator = try await CacheInvalidator(name: "users", cache: users,
    ///                                              publishTo: forwarder.publisherEndpoint,
    ///                                              subscribeTo: forwarder.subscriberEndpoint)
    /// ```
    ///
    /// - Parameters:
    ///   - name: The cache's name: printable ASCII, no spaces, not starting with `~`.
    ///   - cache: The cache.
    ///   - publishTo: The forwarder's publisher endpoint.
    ///   - subscribeTo: The forwarder's subscriber endpoint.
    ///   - readinessTimeout: How long to wait for the round trip (default 10 s).
    ///   - logger: Where flushes and failures are logged.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad name or endpoint,
    ///   `DEADLINE_EXCEEDED` when the round trip does not complete in time.
    public init(
        name: String,
        cache: CacheInterceptor,
        publishTo: String,
        subscribeTo: String,
        readinessTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "zrpc.cache-invalidator")
    ) async throws {
        let topic = "zrpc-cache.\(name).changes"
        try Topic.validate(topic: topic)
        let publisher = try await Publisher<Zrpc_Pubsub_CacheInvalidation>(topic: topic, connect: publishTo)
        let subscription: Subscription<Zrpc_Pubsub_CacheInvalidation>
        do {
            subscription = try await Subscription(connect: subscribeTo, topics: [topic])
            // Its own welcome reaching its own publisher proves the forwarder has passed this topic up
            // to it; its own publisher welcoming the subscription proves the way back.
            try await publisher.waitForSubscribers(1, timeout: readinessTimeout)
            try await subscription.waitForPublishers(1, timeout: readinessTimeout)
        } catch {
            await publisher.close()
            throw error
        }
        let (stream, outgoing) = AsyncStream<CacheChange?>.makeStream()
        self.name = name
        self.cache = cache
        self.topic = topic
        self.publisher = publisher
        self.subscription = subscription
        self.outgoing = outgoing
        self.logger = logger
        tasks = Mutex([])
        cache.observeChanges { change in outgoing.yield(change) }
        let publishing = Task { [weak self] in
            for await change in stream {
                guard let self else { return }
                await self.publish(change)
            }
        }
        let applying = Task { [weak self] in
            guard let subscription = self?.subscription else { return }
            do {
                for try await element in subscription.events {
                    guard let self else { return }
                    self.take(element)
                }
            } catch {}
        }
        tasks.withLock { $0 = [publishing, applying] }
        logger.debug("cache invalidator started", metadata: ["cache": "\(name)", "topic": "\(topic)"])
    }

    /// The counters now.
    ///
    /// ```swift
    /// if invalidator.statistics.flushes > 0 { … }
    /// ```
    public var statistics: CacheInvalidatorStatistics { counters.withLock { $0 } }

    /// Waits for graceful shutdown (or cancellation), then closes.
    ///
    /// ```swift
    /// let group = ServiceGroup(services: [server, invalidator], logger: logger)
    /// ```
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Stops carrying changes: the cache no longer tells it, what was not yet published is
    /// published, and both sockets close. Idempotent.
    ///
    /// ```swift
    /// await invalidator.close()
    /// ```
    public func close() async {
        cache.observeChanges(nil)
        outgoing.finish()
        let running = tasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        if let publishing = running.first { await publishing.value }
        await subscription.close()
        for task in running.dropFirst() { await task.value }
        await publisher.close()
    }

    private func publish(_ change: CacheChange?) async {
        let message = Zrpc_Pubsub_CacheInvalidation(
            cache: name,
            method: change?.method ?? "",
            request: change?.request ?? [],
            version: change?.version ?? 0,
            hasValue: change?.response != nil,
            value: change?.response ?? [],
            flushAll: change == nil
        )
        do {
            try await publisher.publish(message)
            counters.withLock { $0.published += 1 }
        } catch {
            // The others learn of the loss from the gap in this publisher's numbers.
            counters.withLock { $0.publishFailures += 1 }
            logger.error(
                "cache invalidator could not publish a change",
                metadata: ["cache": "\(name)", "error": "\(error)"]
            )
        }
    }

    private func take(_ element: SubscriptionElement<Zrpc_Pubsub_CacheInvalidation>) {
        switch element {
        case .event(let event):
            guard event.publisher != publisher.id else { return }
            let invalidation = event.message
            if invalidation.cache == name, invalidation.flushAll {
                cache.flushLocally()
                counters.withLock { $0.flushesByOthers += 1 }
                logger.info("cache flushed, as another process asked", metadata: ["cache": "\(name)"])
                return
            }
            guard invalidation.cache == name, !invalidation.method.isEmpty else {
                counters.withLock { $0.malformed += 1 }
                return
            }
            let change = CacheChange(
                method: invalidation.method,
                request: invalidation.request,
                response: invalidation.hasValue ? invalidation.value : nil,
                version: invalidation.version == 0 ? nil : invalidation.version
            )
            let applied = cache.apply(change)
            let delay = Duration.microseconds(max(0, PubSubWire.nowMicros() - event.timestampUnixMicros))
            counters.withLock { counters in
                if applied { counters.applied += 1 } else { counters.ignored += 1 }
                counters.recordDelay(delay)
            }
        case .gap(let gap):
            flush("\(gap.missed) invalidation(s) from publisher \(gap.publisher) never arrived")
        case .disconnected(let endpoint):
            flush("the connection to \(endpoint) was lost")
        }
    }

    private func flush(_ reason: String) {
        cache.flushLocally()
        counters.withLock { $0.flushes += 1 }
        logger.warning("cache flushed", metadata: ["cache": "\(name)", "reason": "\(reason)"])
    }
}

/// What a ``CacheInvalidator`` has carried so far.
///
/// ```swift
/// let stats = invalidator.statistics
/// print(stats.published, stats.applied, stats.flushes, stats.propagationDelays.count)
/// ```
public struct CacheInvalidatorStatistics: Hashable, Sendable {
    /// Changes made here and published.
    public var published = 0
    /// Changes made here that could not be published (logged; the others see a gap and flush).
    public var publishFailures = 0
    /// Changes from other processes applied to the cache.
    public var applied = 0
    /// Changes from other processes not applied: their version was not above the last applied.
    public var ignored = 0
    /// Messages on the topic that were not changes of this cache.
    public var malformed = 0
    /// Times the whole cache was dropped because a change may have been lost (a gap, a lost
    /// connection). Each is logged with its reason.
    public var flushes = 0
    /// Times another process flushed the whole cache (its `invalidateAll()`, or a write whose
    /// effect it could not work out) and this one followed.
    public var flushesByOthers = 0
    /// The delay from publishing to applying of the last (at most 1,000) changes received, by the
    /// publishers' and this machine's clocks.
    public var propagationDelays: [Duration] = []

    /// Counters at zero.
    public init() {}

    mutating func recordDelay(_ delay: Duration) {
        if propagationDelays.count == 1_000 { propagationDelays.removeFirst() }
        propagationDelays.append(delay)
    }
}
