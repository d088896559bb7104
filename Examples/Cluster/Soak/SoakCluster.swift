import Foundation

/// The processes of the soak cluster, started in dependency order on free ports: the forwarder
/// (infrastructure, never killed), the broker (`broker`), the catalog, the orders service, the
/// scheduler and two edges (`rpc`), and three workers (`worker`: two for payments, one of them slow and flaky, and one
/// for notifications).
@MainActor
final class SoakCluster {
    private(set) var members: [SoakMember] = []
    let folder: URL

    init(folder: URL) {
        self.folder = folder
    }

    /// Starts every process; returns once each has named its endpoint.
    func start() async throws {
        let forwarder = SoakMember(
            role: "infrastructure",
            name: "forwarder",
            executable: "zrpc-forwarder",
            arguments: ["--publishers", "tcp://127.0.0.1:*", "--subscribers", "tcp://127.0.0.1:*"]
        )
        try await forwarder.start()
        let printed = forwarder.child?.printedText ?? ""
        guard let match = printed.firstMatch(of: /publishers (tcp:\/\/\S+) subscribers (tcp:\/\/\S+)/) else {
            throw SoakFailure("zrpc-forwarder printed no endpoints: \(printed)")
        }
        let (publishers, subscribers) = (String(match.1), String(match.2))
        members.append(forwarder)

        let catalog = SoakMember(
            role: "rpc",
            name: "catalog",
            executable: "cluster-catalog",
            environment: [
                "CATALOG_ENDPOINTS": "tcp://127.0.0.1:*",
                "CATALOG_DATABASE_PATH": folder.appendingPathComponent("catalog.sqlite").path,
            ]
        )
        try await catalog.start()
        members.append(catalog)
        let broker = SoakMember(
            role: "broker",
            name: "broker",
            executable: "zrpc-broker",
            arguments: ["tcp://127.0.0.1:*", "--database", path("broker.sqlite")]
        )
        try await broker.start()
        members.append(broker)
        let orders = SoakMember(
            role: "rpc",
            name: "orders",
            executable: "cluster-orders",
            environment: [
                "ORDERS_ENDPOINTS": "tcp://127.0.0.1:*", "ORDERS_DATABASE_PATH": path("orders.sqlite"),
                "ORDERS_CATALOG_ENDPOINTS": catalog.endpoint, "ORDERS_BROKER_ENDPOINTS": broker.endpoint,
            ]
        )
        try await orders.start()
        members.append(orders)
        let workers: [(String, String, [String: String])] = [
            ("payment-1", "payment", [:]),
            ("payment-2", "payment", ["WORKER_FAILURE_RATE": "0.2", "WORKER_DELAY_MS": "20"]),
            ("notification-1", "notification", [:]),
        ]
        for (name, kind, faults) in workers {
            let worker = SoakMember(
                role: "worker",
                name: name,
                executable: "cluster-worker",
                environment: faults.merging([
                    "WORKER_KIND": kind, "WORKER_BROKER_ENDPOINTS": broker.endpoint,
                    "WORKER_LEDGER_PATH": ledgerPath(kind),
                ]) { $1 }
            )
            try await worker.start()
            members.append(worker)
        }
        let scheduler = SoakMember(
            role: "rpc",
            name: "scheduler",
            executable: "cluster-scheduler",
            environment: [
                "SCHEDULER_ENDPOINTS": "tcp://127.0.0.1:*", "SCHEDULER_ORDERS_ENDPOINTS": orders.endpoint,
                "SCHEDULER_RECONCILE_EVERY_MS": "5000",
            ]
        )
        try await scheduler.start()
        members.append(scheduler)
        for index in 1...2 {
            let edge = SoakMember(
                role: "rpc",
                name: "edge-\(index)",
                executable: "cluster-edge",
                environment: [
                    "EDGE_ENDPOINTS": "tcp://127.0.0.1:*", "EDGE_CATALOG_ENDPOINTS": catalog.endpoint,
                    "EDGE_ORDERS_ENDPOINTS": orders.endpoint,
                    "EDGE_FORWARDER_PUBLISHERS": publishers, "EDGE_FORWARDER_SUBSCRIBERS": subscribers,
                    "EDGE_CACHE_TTL_MS": "1000",
                ]
            )
            try await edge.start()
            members.append(edge)
        }
    }

    /// The edges' endpoints.
    var edgeEndpoints: [String] { members.filter { $0.name.hasPrefix("edge-") }.map(\.endpoint) }

    /// A member's endpoint by name.
    func endpoint(of name: String) -> String { members.first { $0.name == name }?.endpoint ?? "" }

    /// The ledger every worker of `kind` shares.
    func ledgerPath(_ kind: String) -> String { path("\(kind)-ledger.sqlite") }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The members a chaos action may pick for `role` (`any`: every member but the infrastructure).
    func candidates(for role: String) -> [SoakMember] {
        members.filter { $0.child != nil && ($0.role == role || (role == "any" && $0.role != "infrastructure")) }
    }

    /// Starts a killed member again on the endpoint it had.
    func restart(_ member: SoakMember) async throws {
        let endpoint = member.endpoint.isEmpty ? nil : member.endpoint
        try await member.start { arguments, environment in
            guard let endpoint else { return }
            for key in environment.keys where key.hasSuffix("_ENDPOINTS") && environment[key] == "tcp://127.0.0.1:*" {
                environment[key] = endpoint
            }
            arguments = arguments.map { $0 == "tcp://127.0.0.1:*" ? endpoint : $0 }
        }
    }

    /// Resident bytes of every running instance, keyed `name#pid`.
    var resident: [String: UInt64] {
        var resident: [String: UInt64] = [:]
        for member in members {
            if let instance = member.instance, let bytes = member.residentBytes { resident[instance] = bytes }
        }
        return resident
    }

    /// SIGTERM to every member, in reverse order of start; the names of those that did not exit 0.
    func stop() async -> [String] {
        var failed: [String] = []
        for member in members.reversed() where !(await member.stop()) { failed.append(member.name) }
        return failed
    }
}

/// The soak could not go on.
struct SoakFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
