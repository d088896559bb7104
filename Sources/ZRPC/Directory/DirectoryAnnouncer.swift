import Foundation
import Logging
import Synchronization

/// A server's side of the directory: announces it while it runs, says it takes no new calls when
/// it drains, and withdraws it when it stops. Failures are logged, never thrown: a server serves
/// whether or not its directory is reachable.
final class DirectoryAnnouncer: Sendable {
    private let registration: Server.DirectoryRegistration
    private let services: [String]
    private let endpoints: @Sendable () -> [String]
    private let health: HealthStatus
    private let logger: Logger
    private let client: Client
    private let instance =
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString)"
    private let draining = Atomic<Bool>(false)

    init(
        registration: Server.DirectoryRegistration,
        services: [String],
        endpoints: @escaping @Sendable () -> [String],
        health: HealthStatus,
        logger: Logger
    ) throws {
        self.registration = registration
        self.services = services
        self.endpoints = endpoints
        self.health = health
        self.logger = logger
        var configuration = Client.Configuration(endpoints: registration.directory, defaultTimeout: .seconds(1))
        configuration.logger = logger
        configuration.name = "zrpc-directory-announcer"
        configuration.security = registration.security
        client = try Client(configuration: configuration)
    }

    /// Announces every interval until cancelled, running the client to the directory meanwhile.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.client.run() }
            group.addTask {
                while !Task.isCancelled, !self.draining.load(ordering: .relaxed) {
                    await self.announce(accepting: self.health.status(for: "") == .serving)
                    try? await Task.sleep(for: self.registration.interval)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// The server begins to drain: clients are told it takes no new calls.
    func beginDraining() async {
        draining.store(true, ordering: .relaxed)
        await announce(accepting: false)
    }

    /// The server has stopped: its entry is removed, and the client to the directory stops.
    func withdraw() async {
        await send(Zrpc_Directory_Announcement(instance: instance, withdraw: true))
        client.beginGracefulShutdown()
    }

    private func announce(accepting: Bool) async {
        let serving = services.filter { health.status(for: $0) == .serving }
        await send(
            Zrpc_Directory_Announcement(
                instance: instance,
                services: serving,
                endpoints: registration.advertisedEndpoints ?? endpoints(),
                accepting: accepting,
                leaseMillis: UInt32(clamping: WireFormat.micros(registration.lease) / 1_000)
            )
        )
    }

    private func send(_ announcement: Zrpc_Directory_Announcement) async {
        do {
            _ = try await Zrpc_Directory_Directory.Client(wrapping: client).announce(announcement)
        } catch {
            logger.warning(
                "could not announce to the directory",
                metadata: ["directory": "\(registration.directory)", "error": "\(error)"]
            )
        }
    }
}
