import ServiceLifecycle

/// What `withServer` and `withClient` share: something that runs until asked to shut down.
protocol GracefullyStoppable: Service {
    /// Asks ``Service/run()`` to shut down and return.
    func beginGracefulShutdown()
}

extension Server: GracefullyStoppable {}
extension Client: GracefullyStoppable {}

/// Runs `service` in a child task around `body`: `ready` first (say, waiting until it listens),
/// then `body`; whatever happens, the service is then shut down gracefully and awaited.
///
/// - Returns: What `body` returned.
/// - Throws: What `ready` or `body` threw, else what `run()` threw.
nonisolated(nonsending) func withRunning<Running: GracefullyStoppable, Result: Sendable>(
    _ service: Running,
    ready: (Running) async throws -> Void = { _ in },
    _ body: (Running) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask { try await service.run() }
        do {
            try await ready(service)
            let result = try await body(service)
            service.beginGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            service.beginGracefulShutdown()
            while (try? await group.next()) != nil {}
            throw error
        }
    }
}
