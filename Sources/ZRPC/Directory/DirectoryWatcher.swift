import Logging

/// A client's side of the directory: follows where its service is served and hands every change
/// to the client's I/O loop. Runs until cancelled (the client stops); never throws.
struct DirectoryWatcher {
    let lookup: Client.DirectoryLookup
    let loop: IOLoop<ClientDriver>
    let logger: Logger

    func run() async {
        var configuration = Client.Configuration(endpoints: lookup.directory, defaultTimeout: .seconds(5))
        configuration.logger = logger
        configuration.name = "zrpc-directory-watcher"
        configuration.security = lookup.security
        do {
            try await Client.withClient(configuration: configuration) { client in
                let directory = Zrpc_Directory_Directory.Client(wrapping: client)
                while !Task.isCancelled {
                    await follow(directory)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        } catch {
            logger.error(
                "cannot watch the directory",
                metadata: ["directory": "\(lookup.directory)", "error": "\(error)"]
            )
        }
    }

    /// Watches until the stream ends (its deadline, the directory restarting) or fails.
    private func follow(_ directory: Zrpc_Directory_Directory.Client) async {
        do {
            try await directory.watch(.init(service: lookup.service), options: .init(timeout: .seconds(300))) {
                updates in
                for try await update in updates {
                    logger.debug(
                        "the directory moved the service",
                        metadata: ["service": "\(lookup.service)", "endpoints": "\(update.endpoints)"]
                    )
                    loop.submit(.setEndpoints(update.endpoints))
                }
            }
        } catch let error as RPCError where error.code == .deadlineExceeded || error.code == .cancelled {
            return  // a long watch ends; the next one starts at once
        } catch {
            logger.warning(
                "lost the directory; keeping the servers known so far",
                metadata: ["directory": "\(lookup.directory)", "error": "\(error)"]
            )
        }
    }
}
