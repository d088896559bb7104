import Foundation

/// Finds protoc-c, which zrpc-gen runs: `ZRPC_PROTOC_C` when it is set, else the first
/// `protoc-c` on `PATH`.
enum ProtocCLocator {
    /// The environment variable that names protoc-c's path, overriding the search of `PATH`.
    static let variable = "ZRPC_PROTOC_C"

    /// Returns protoc-c's location.
    ///
    /// - Parameter environment: The plugin's environment (`PATH`, ``variable``).
    /// - Throws: ``ZRPCGenPluginError`` saying how to install protoc-c or where to point
    ///   ``variable``.
    static func find(in environment: [String: String]) throws -> URL {
        let manager = FileManager.default
        if let configured = environment[variable], !configured.isEmpty {
            guard manager.isExecutableFile(atPath: configured) else {
                throw ZRPCGenPluginError("\(variable)=\(configured) is not an executable file")
            }
            return URL(fileURLWithPath: configured)
        }
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in folders where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: folder).appending(path: "protoc-c")
            if manager.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ZRPCGenPluginError(
            "protoc-c not found in PATH (\(folders.joined(separator: ":"))); install it (Debian and Ubuntu: "
                + "apt-get install protobuf-c-compiler; Homebrew: brew install protobuf-c) or set \(variable) to its path"
        )
    }
}
