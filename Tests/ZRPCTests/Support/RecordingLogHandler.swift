import Logging
import Synchronization

/// A swift-log handler that keeps every message, so a test can check where a library logged.
struct RecordingLogHandler: LogHandler {
    /// The messages logged through handlers sharing this store.
    final class Store: Sendable {
        private let messages = Mutex<[String]>([])

        /// Everything logged so far, oldest first.
        var all: [String] { messages.withLock { $0 } }

        /// Adds one message.
        func append(_ message: String) {
            messages.withLock { $0.append(message) }
        }
    }

    /// Where this handler's messages go.
    let store: Store
    /// The logger's metadata (kept, not recorded).
    var metadata: Logger.Metadata = [:]
    /// Everything is recorded.
    var logLevel: Logger.Level = .trace

    /// One metadata value.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records the message.
    func log(event: LogEvent) {
        store.append(event.message.description)
    }
}

extension Logger {
    /// A logger whose messages land in `store`.
    static func recording(into store: RecordingLogHandler.Store, label: String = "test") -> Logger {
        Logger(label: label) { _ in RecordingLogHandler(store: store) }
    }
}
