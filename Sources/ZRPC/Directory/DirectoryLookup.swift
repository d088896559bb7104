extension Client {
    /// Where a client finds its servers by service name, instead of a list of endpoints
    /// (``ServiceDirectory``).
    ///
    /// ```swift
    /// var configuration = Client.Configuration(endpoints: [])
    /// configuration.directory = .init(directory: ["tcp://directory:7000"], service: Echo_Echo.descriptor.fullName)
    /// ```
    ///
    /// While the client runs it watches the directory: servers that start hosting the service are
    /// connected to, servers that drain, stop being ready or die (their lease runs out) get no
    /// new calls. Calls go straight to the servers; calls made before the first answer wait for
    /// it, up to their deadline. When the directory is unreachable the client keeps the servers
    /// it knows and tries again every second.
    public struct DirectoryLookup: Sendable {
        /// The directory's endpoints.
        public var directory: [String]
        /// The service's full name, e.g. `echo.Echo`.
        public var service: String
        /// How the watcher's client secures its connection to the directory (a CURVE client of
        /// the directory server, or plain text).
        public var security: TransportSecurity = .plaintext

        /// Creates a lookup.
        ///
        /// - Parameters:
        ///   - directory: The directory's endpoints.
        ///   - service: The service's full name.
        public init(directory: [String], service: String) {
            self.directory = directory
            self.service = service
        }
    }
}
