import Synchronization

/// What the built-in health service reports: a readiness flag the application controls, and
/// optional per-service overrides.
///
/// ```swift
/// server.health.setReady(false)                       // e.g. while warming caches
/// server.health.set(.notServing, for: "echo.Echo")    // one service down for maintenance
/// ```
public final class HealthStatus: Sendable {
    private struct State {
        var ready = true
        var overrides: [String: ServingStatus] = [:]
    }

    private let state = Mutex(State())
    private let services: Set<String>

    init(services: Set<String>) {
        self.services = services
    }

    /// Sets whether the server is ready to serve (it starts ready).
    ///
    /// - Parameter ready: false reports NOT_SERVING for the server and every service.
    public func setReady(_ ready: Bool) {
        state.withLock { $0.ready = ready }
    }

    /// Overrides one service's status; nil returns it to following readiness.
    ///
    /// - Parameters:
    ///   - status: The status to report.
    ///   - service: The service's full name.
    public func set(_ status: ServingStatus?, for service: String) {
        state.withLock { $0.overrides[service] = status }
    }

    /// The status for a service, or for the whole server when `service` is "".
    ///
    /// - Parameter service: A full service name, or "".
    public func status(for service: String) -> ServingStatus {
        state.withLock { state in
            if !service.isEmpty && !services.contains(service) && service != Zrpc_Health_Health.descriptor.fullName {
                return .serviceUnknown
            }
            if !state.ready { return .notServing }
            return state.overrides[service] ?? .serving
        }
    }
}
