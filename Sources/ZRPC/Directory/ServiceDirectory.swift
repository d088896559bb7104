import Synchronization

/// A service directory (`zrpc.directory.Directory`): servers announce the services they host and
/// where (``Server/Configuration/directory``), clients name a service and follow where it is served
/// (``Client/Configuration/directory``). Host it in any ``Server``; `zrpc-directory` is one that
/// does nothing else.
///
/// ```swift
/// try await Server.withServer(
///     configuration: .init(endpoints: ["tcp://0.0.0.0:7000"]),
///     services: [ServiceDirectory()]
/// ) { _ in … }
/// ```
///
/// Entries are leases: a server that stops announcing (it died) is dropped when its lease runs
/// out; one that is draining or not ready is listed as not taking new calls, and so left out of
/// what clients see. Calls never pass through the directory: clients connect to the servers it
/// lists, so it adds nothing to a call's latency and is not needed while the servers do not change.
public final class ServiceDirectory: RPCService, Sendable {
    private let core: DirectoryCore

    /// Creates an empty directory.
    ///
    /// - Parameters:
    ///   - defaultLease: The lease of an announcement that asks for none.
    ///   - maxLease: The longest lease granted.
    public init(defaultLease: Duration = .seconds(3), maxLease: Duration = .seconds(60)) {
        core = DirectoryCore(defaultLease: defaultLease, maxLease: maxLease)
    }

    /// `zrpc.directory.Directory`.
    public var serviceDescriptor: ServiceDescriptor { Zrpc_Directory_Directory.descriptor }

    /// Its three methods.
    public var methodHandlers: [MethodHandler] { DirectoryService(core: core).methodHandlers }

    /// The endpoints of the servers hosting `service` that take new calls now.
    ///
    /// - Parameter service: A full service name, e.g. `echo.Echo`.
    public func endpoints(for service: String) -> [String] {
        core.endpoints(for: service)
    }
}

/// The directory's state and its waiting watchers.
final class DirectoryCore: Sendable {
    private struct State {
        var table = DirectoryTable()
        var waiters: [WaiterTicket: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    /// The lease granted when an announcement asks for none, and the longest granted.
    private let defaultLease: Duration
    private let maxLease: Duration

    init(defaultLease: Duration, maxLease: Duration) {
        self.defaultLease = defaultLease
        self.maxLease = maxLease
    }

    func endpoints(for service: String) -> [String] {
        state.withLock { state in
            state.table.expire(now: .now)
            return state.table.endpoints(for: service)
        }
    }

    func announce(_ announcement: Zrpc_Directory_Announcement) -> Duration {
        let asked = Duration.milliseconds(Int64(announcement.leaseMillis))
        let lease = announcement.leaseMillis == 0 ? defaultLease : min(asked, maxLease)
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let before = state.table.version
            state.table.expire(now: .now)
            state.table.apply(announcement, lease: lease, now: .now)
            guard state.table.version != before else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        return lease
    }

    /// Writes where `service` is served, then again after every change, until the call ends.
    func watch(_ service: String, writer: MessageWriter<Zrpc_Directory_ServiceEndpoints>) async throws {
        var last: [String]?
        while !Task.isCancelled {
            let (endpoints, nextExpiry) = state.withLock { state in
                state.table.expire(now: .now)
                return (state.table.endpoints(for: service), state.table.nextExpiry)
            }
            if endpoints != last {
                try await writer.write(Zrpc_Directory_ServiceEndpoints(service: service, endpoints: endpoints))
                last = endpoints
            }
            await changed(orAt: nextExpiry ?? .now.advanced(by: .seconds(1)))
        }
        throw RPCError(code: .cancelled, message: "the watch was cancelled")
    }

    /// Returns after the next change, at `deadline`, or when the task is cancelled.
    private func changed(orAt deadline: ContinuousClock.Instant) async {
        let ticket = WaiterTicket.next()
        let timer = Task { [self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            wake(ticket)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let parked = state.withLock { state -> Bool in
                    guard !Task.isCancelled else { return false }
                    state.waiters[ticket] = continuation
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            wake(ticket)
        }
        timer.cancel()
    }

    private func wake(_ ticket: WaiterTicket) {
        state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume()
    }
}

/// The generated protocol's implementation over a directory's state (the messages are internal
/// to ZRPC, so the public class exposes only `RPCService`).
struct DirectoryService: Zrpc_Directory_Directory.ServiceProtocol {
    let core: DirectoryCore

    func announce(
        _ request: Zrpc_Directory_Announcement,
        context: ServerContext
    ) async throws -> Zrpc_Directory_AnnounceReply {
        guard !request.instance.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "an announcement needs an instance name")
        }
        let lease = core.announce(request)
        return Zrpc_Directory_AnnounceReply(leaseMillis: UInt32(clamping: WireFormat.micros(lease) / 1_000))
    }

    func resolve(
        _ request: Zrpc_Directory_ServiceQuery,
        context: ServerContext
    ) async throws -> Zrpc_Directory_ServiceEndpoints {
        Zrpc_Directory_ServiceEndpoints(service: request.service, endpoints: core.endpoints(for: request.service))
    }

    func watch(
        _ request: Zrpc_Directory_ServiceQuery,
        writer: MessageWriter<Zrpc_Directory_ServiceEndpoints>,
        context: ServerContext
    ) async throws {
        try await core.watch(request.service, writer: writer)
    }
}
