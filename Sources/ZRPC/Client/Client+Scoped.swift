extension Client {
    /// Runs a client around `body`: calls made in `body` go out as soon as the client runs, and
    /// when `body` returns or throws, the client shuts down gracefully, whatever happens.
    ///
    /// - Parameters:
    ///   - configuration: Endpoints, default timeout, interceptors, resilience.
    ///   - body: Uses the client.
    /// - Returns: What `body` returned.
    /// - Throws: What `body` threw, what ``run()`` threw, or ``ResilienceConfigurationError``.
    nonisolated(nonsending) public static func withClient<Result: Sendable>(
        configuration: Configuration,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        try await withRunning(try Client(configuration: configuration), body)
    }

    /// Runs a client of `server`, in this process, around `body` (see ``init(calling:configuration:)``).
    ///
    /// - Parameters:
    ///   - server: The services to call.
    ///   - configuration: Default timeout, interceptors, resilience.
    ///   - body: Uses the client.
    /// - Returns: What `body` returned.
    nonisolated(nonsending) public static func withClient<Result: Sendable>(
        calling server: InProcessServer,
        configuration: Configuration = .init(endpoints: []),
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        try await withRunning(try Client(calling: server, configuration: configuration), body)
    }
}
