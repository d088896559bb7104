extension Subscription {
    /// Subscribes to one event type's topic at forwarders' subscriber side or publishers that bind:
    /// the events whose key starts with one of `keys`, or all of them (with a key or without) when
    /// `keys` is empty (``EventTopic/prefixes(keys:)``). zrpc-gen's events services subscribe this way.
    ///
    /// ```swift
    /// let prices = try await Subscription(connect: ["tcp://forwarder:7201"], topic: EventTopic<Price>("prices"), keys: ["EUR."])
    /// try await prices.waitUntilReady(timeout: .seconds(5))
    /// for try await element in prices.events { … }
    /// ```
    ///
    /// - Parameters:
    ///   - endpoints: Where to connect.
    ///   - topic: The event type's topic.
    ///   - keys: Key prefixes (end one with a dot to stop at a segment); empty for every key.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name (``EventTopic/validate()``),
    ///   key prefix, endpoint or configuration.
    public convenience init(
        connect endpoints: [String],
        topic: EventTopic<Event>,
        keys: [String] = [],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try topic.validate()
        try await self.init(
            attachment: .connect(endpoints),
            topics: topic.prefixes(keys: keys),
            configuration: configuration
        )
    }

    /// Subscribes to one event type's topic at one forwarder or publisher.
    ///
    /// ```swift
    /// let prices = try await Subscription(connect: forwarder.subscriberEndpoint, topic: EventTopic<Price>("prices"))
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to connect.
    ///   - topic: The event type's topic.
    ///   - keys: Key prefixes; empty for every key.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name, key prefix, endpoint or configuration.
    public convenience init(
        connect endpoint: String,
        topic: EventTopic<Event>,
        keys: [String] = [],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(connect: [endpoint], topic: topic, keys: keys, configuration: configuration)
    }

    /// Subscribes to one event type's topic on a bound socket that publishers connect to.
    ///
    /// ```swift
    /// let sink = try await Subscription(bind: "tcp://*:7400", topic: EventTopic<Price>("prices"))
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where to bind.
    ///   - topic: The event type's topic.
    ///   - keys: Key prefixes; empty for every key.
    ///   - configuration: High-water mark, limits, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name or key prefix, or
    ///   `UNAVAILABLE` when it cannot bind.
    public convenience init(
        bind endpoint: String,
        topic: EventTopic<Event>,
        keys: [String] = [],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try topic.validate()
        try await self.init(
            attachment: .bind(endpoint),
            topics: topic.prefixes(keys: keys),
            configuration: configuration
        )
    }
}
