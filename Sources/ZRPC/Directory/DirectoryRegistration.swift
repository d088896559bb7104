extension Server {
    /// Where a server announces itself, so that clients can find its services by name
    /// (``ServiceDirectory``).
    ///
    /// ```swift
    /// var configuration = Server.Configuration(endpoints: ["tcp://0.0.0.0:5555"])
    /// configuration.directory = .init(directory: ["tcp://directory:7000"], advertisedEndpoints: ["tcp://10.0.0.7:5555"])
    /// ```
    ///
    /// While it runs, the server announces its services (those its health status reports as
    /// serving), its endpoints and whether it takes new calls every ``interval``; each
    /// announcement holds for ``lease``. When it begins a graceful shutdown it announces at once
    /// that it takes no new calls (clients stop sending it any), and once drained it withdraws.
    public struct DirectoryRegistration: Sendable {
        /// The directory's endpoints.
        public var directory: [String]
        /// The endpoints clients should use; nil announces the bound endpoints (give them when
        /// binding a wildcard address such as `tcp://0.0.0.0:5555`).
        public var advertisedEndpoints: [String]?
        /// How often the server announces itself.
        public var interval: Duration
        /// How long an announcement stands: a server that dies is dropped this long after its
        /// last announcement.
        public var lease: Duration
        /// How the announcer's client secures its connection to the directory (a CURVE client of
        /// the directory server, or plain text).
        public var security: TransportSecurity = .plaintext

        /// Creates a registration.
        ///
        /// - Parameters:
        ///   - directory: The directory's endpoints.
        ///   - advertisedEndpoints: The endpoints to announce; nil for the bound ones.
        ///   - interval: How often to announce.
        ///   - lease: How long each announcement stands (more than `interval`).
        public init(
            directory: [String],
            advertisedEndpoints: [String]? = nil,
            interval: Duration = .seconds(1),
            lease: Duration = .seconds(3)
        ) {
            self.directory = directory
            self.advertisedEndpoints = advertisedEndpoints
            self.interval = interval
            self.lease = lease
        }
    }
}
