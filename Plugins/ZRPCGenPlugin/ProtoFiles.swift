import Foundation

/// The `.proto` files under a target's folder, which is also their `--proto-path`: imports are
/// written relative to it, and everything imported must be there too.
struct ProtoFiles {
    /// The folder searched, passed to zrpc-gen as `--proto-path`.
    let folder: URL
    /// The files' paths relative to ``folder``, sorted: `greeter.proto`, `shop/orders.proto`.
    let paths: [String]

    /// Finds every `.proto` file under `folder`, skipping hidden files and folders.
    ///
    /// - Parameter folder: A target's folder.
    /// - Throws: ``ZRPCGenPluginError`` when the folder cannot be read.
    init(in folder: URL) throws {
        self.folder = folder
        guard
            let enumerator = FileManager.default.enumerator(
                at: folder,
                includingPropertiesForKeys: [.isRegularFileKey],
                options: [.skipsHiddenFiles]
            )
        else {
            throw ZRPCGenPluginError("cannot read \(folder.path)")
        }
        let base = folder.standardizedFileURL.pathComponents
        var paths: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "proto" {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let components = url.standardizedFileURL.pathComponents
            guard components.starts(with: base) else { continue }
            paths.append(components.dropFirst(base.count).joined(separator: "/"))
        }
        self.paths = paths.sorted()
    }

    /// The files, as URLs: the build command's inputs.
    var urls: [URL] { paths.map { folder.appending(path: $0) } }

    /// The paths without `.proto`, which zrpc-gen's output files are named after.
    var stems: [String] { paths.map { String($0.dropLast(".proto".count)) } }
}
