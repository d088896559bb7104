import Logging
import Synchronization

/// A swift-log handler that keeps every message, so a test can check where a library logged.
struct RecordingLogHandler: LogHandler {
    /// The messages logged through handlers sharing this store.
    final class Store: Sendable {
        private let messages = Mutex<[(String, Logger.Metadata)]>([])

        /// Everything logged so far, oldest first.
        var all: [String] { messages.withLock { $0.map(\.0) } }

        /// The metadata of every message logged as `message`, oldest first.
        func metadata(of message: String) -> [Logger.Metadata] {
            messages.withLock { $0.filter { $0.0 == message }.map(\.1) }
        }

        /// Adds one message with its metadata.
        func append(_ message: String, metadata: Logger.Metadata = [:]) {
            messages.withLock { $0.append((message, metadata)) }
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
        store.append(event.message.description, metadata: event.metadata ?? [:])
    }
}

extension Logger {
    /// A logger whose messages land in `store`.
    static func recording(into store: RecordingLogHandler.Store, label: String = "test") -> Logger {
        Logger(label: label) { _ in RecordingLogHandler(store: store) }
    }
}
