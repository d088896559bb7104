import Logging
import Synchronization

/// A swift-log handler that keeps every line, message and metadata, so a test can look for what must
/// never be logged.
struct RecordingLogHandler: LogHandler {
    /// The lines logged through handlers sharing this store.
    final class Store: Sendable {
        private let lines = Mutex<[String]>([])

        /// Everything logged so far, each message with its metadata, oldest first.
        var all: [String] { lines.withLock { $0 } }

        /// Adds one line.
        func append(_ line: String) {
            lines.withLock { $0.append(line) }
        }
    }

    /// Where this handler's lines go.
    let store: Store
    /// The logger's metadata, recorded with each line.
    var metadata: Logger.Metadata = [:]
    /// Everything is recorded.
    var logLevel: Logger.Level = .trace

    /// One metadata value.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records the message with all its metadata.
    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        store.append("\(event.level) \(event.message) \(all)")
    }
}

extension Logger {
    /// A logger at trace level whose lines land in `store`.
    static func recording(into store: RecordingLogHandler.Store, label: String) -> Logger {
        Logger(label: label) { _ in RecordingLogHandler(store: store) }
    }
}
