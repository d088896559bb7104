/// Asks a ``ServiceDirectory`` where a service is served.
///
/// ```swift
/// try await Client.withClient(configuration: .init(endpoints: ["tcp://directory:7000"])) { client in
///     let endpoints = try await DirectoryClient(wrapping: client).endpoints(of: "echo.Echo")
/// }
/// ```
public struct DirectoryClient: Sendable {
    private let stub: Zrpc_Directory_Directory.Client

    /// Wraps a client connected to a directory.
    ///
    /// - Parameter client: A client whose endpoints are the directory's.
    public init(wrapping client: Client) {
        stub = Zrpc_Directory_Directory.Client(wrapping: client)
    }

    /// The endpoints of the servers that host `service` and take new calls now.
    ///
    /// - Parameters:
    ///   - service: The service's full name, e.g. `echo.Echo`.
    ///   - options: Timeout and metadata.
    /// - Throws: ``RPCError`` when the directory cannot be asked.
    public func endpoints(of service: String, options: CallOptions = .defaults) async throws -> [String] {
        try await stub.resolve(.init(service: service), options: options).endpoints
    }
}
