/// The built-in `zrpc.health.Health` service every ``Server`` hosts.
struct HealthService: Zrpc_Health_Health.ServiceProtocol {
    let status: HealthStatus

    func check(
        _ request: Zrpc_Health_HealthCheckRequest,
        context: ServerContext
    ) async throws -> Zrpc_Health_HealthCheckResponse {
        Zrpc_Health_HealthCheckResponse(status: .init(rawValue: status.status(for: request.service).rawValue))
    }
}
