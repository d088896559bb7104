import Foundation

/// The processes of the soak cluster, started in dependency order on free ports: the forwarder
/// (infrastructure, never killed), the catalog (`rpc`) and two edges (`rpc`).
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
        for index in 1...2 {
            let edge = SoakMember(
                role: "rpc",
                name: "edge-\(index)",
                executable: "cluster-edge",
                environment: [
                    "EDGE_ENDPOINTS": "tcp://127.0.0.1:*", "EDGE_CATALOG_ENDPOINTS": catalog.endpoint,
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
