/// Asks a server's built-in health service (`zrpc.health.Health/Check`) how it is.
///
/// ```swift
/// let health = HealthClient(wrapping: client)
/// let server = try await health.check()                          // the whole server
/// let echo = try await health.check(service: "echo.Echo")        // .serving, .notServing, .serviceUnknown
/// ```
public struct HealthClient: Sendable {
    /// The client calls go through.
    public let client: Client

    /// Wraps a client connected to the servers to ask.
    ///
    /// - Parameter client: The client.
    public init(wrapping client: Client) {
        self.client = client
    }

    /// The status of one service, or of the whole server when `service` is empty.
    ///
    /// - Parameters:
    ///   - service: A full service name (`echo.Echo`), or "".
    ///   - options: Timeout and metadata of the call.
    /// - Throws: ``RPCError`` when the call fails.
    public func check(service: String = "", options: CallOptions = .defaults) async throws -> HealthStatus.ServingStatus
    {
        let stub = Zrpc_Health_Health.Client(wrapping: client)
        let response = try await stub.check(Zrpc_Health_HealthCheckRequest(service: service), options: options)
        return HealthStatus.ServingStatus(rawValue: response.status.rawValue)
    }
}
