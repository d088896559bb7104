extension Publisher {
    /// Creates a publisher of one event type's topic, bound to `endpoint`, where subscribers connect:
    /// `publish(event, key: k)` sends on `name.k`, and `publish(event)` on `name.` (its ``topic`` is
    /// `name.`). zrpc-gen's events services create theirs this way.
    ///
    /// ```swift
    /// let publisher = try await Publisher(topic: EventTopic<Price>("prices"), bind: "tcp://*:7300")
    /// try await publisher.publish(price, key: "EUR.ABC")     // on prices.EUR.ABC
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The event type's topic.
    ///   - endpoint: `tcp://host:port` (port `*` picks one), `ipc://path` or `inproc://name`.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name (``EventTopic/validate()``),
    ///   endpoint or configuration, `UNAVAILABLE` when the endpoint cannot be bound.
    public convenience init(
        topic: EventTopic<Event>,
        bind endpoint: String,
        configuration: Configuration = .defaults
    )
        async throws
    {
        try topic.validate()
        try await self.init(topic: topic.topic(key: nil), attachment: .bind(endpoint), configuration: configuration)
    }

    /// Creates a publisher of one event type's topic, connected to forwarders (their publisher
    /// side) or subscribers that bind: `publish(event, key: k)` sends on `name.k`, `publish(event)` on `name.`.
    ///
    /// ```swift
    /// let publisher = try await Publisher(topic: EventTopic<Price>("prices"), connect: ["tcp://forwarder:7200"])
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The event type's topic.
    ///   - endpoints: Where to connect.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name, endpoint or configuration.
    public convenience init(
        topic: EventTopic<Event>,
        connect endpoints: [String],
        configuration: Configuration = .defaults
    )
        async throws
    {
        try topic.validate()
        try await self.init(topic: topic.topic(key: nil), attachment: .connect(endpoints), configuration: configuration)
    }

    /// Creates a publisher of one event type's topic, connected to one forwarder.
    ///
    /// ```swift
    /// let publisher = try await Publisher(topic: EventTopic<Price>("prices"), connect: forwarder.publisherEndpoint)
    /// ```
    ///
    /// - Parameters:
    ///   - topic: The event type's topic.
    ///   - endpoint: Where to connect.
    ///   - configuration: High-water mark, drop or back-pressure, linger, context.
    /// - Throws: ``ZRPC/RPCError``: `INVALID_ARGUMENT` for a bad topic name, endpoint or configuration.
    public convenience init(
        topic: EventTopic<Event>,
        connect endpoint: String,
        configuration: Configuration = .defaults
    )
        async throws
    {
        try await self.init(topic: topic, connect: [endpoint], configuration: configuration)
    }
}
