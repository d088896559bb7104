extension HealthStatus {
    /// A service's serving status, as the health service reports it (grpc.health.v1's numbering,
    /// plus "unknown service"). Extensible: a number this version does not name is kept.
    ///
    /// ```swift
    /// if try await HealthClient(wrapping: client).check(service: "echo.Echo") != .serving { … }
    /// ```
    public struct ServingStatus: Hashable, Sendable, CustomStringConvertible {
        /// The number on the wire.
        public let rawValue: Int32

        /// A status from its wire number.
        ///
        /// - Parameter rawValue: The number.
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// The server did not say.
        public static let unknown = ServingStatus(rawValue: 0)
        /// Ready to serve.
        public static let serving = ServingStatus(rawValue: 1)
        /// Up, but not taking calls (not ready, or the service is down for maintenance).
        public static let notServing = ServingStatus(rawValue: 2)
        /// The server hosts no such service.
        public static let serviceUnknown = ServingStatus(rawValue: 3)

        /// `SERVING`, `NOT_SERVING`, `SERVICE_UNKNOWN`, `UNKNOWN`, or `STATUS_<n>`.
        public var description: String {
            switch rawValue {
            case 0: "UNKNOWN"
            case 1: "SERVING"
            case 2: "NOT_SERVING"
            case 3: "SERVICE_UNKNOWN"
            default: "STATUS_\(rawValue)"
            }
        }
    }
}
