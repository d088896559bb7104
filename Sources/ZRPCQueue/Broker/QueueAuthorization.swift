import ZRPC

/// Which authenticated clients (CURVE public keys) may enqueue to which queues, and which workers
/// may consume them, at a ``QueueBroker``: an enqueue it refuses fails with `PERMISSION_DENIED` and
/// stores nothing; a worker attaching to a queue it refuses has its `Work` stream fail with
/// `PERMISSION_DENIED`.
///
/// Rules are keyed by queue name, exactly (`media.Thumbnails/Resize`), or by a prefix ending in `*`
/// (`media.*`, and `*` for every queue). An exact rule decides for its queue; otherwise the longest
/// prefix rule the name starts with; a queue no rule covers is open to every client the allow-list
/// let in (`"*": []` closes it). Under plain text there is no key: a queue with a rule is refused to
/// everyone. ``ZRPC/ServerAuthorization`` still applies to the broker's methods as a whole.
///
/// ```swift
/// configuration.authorization = QueueAuthorization(
///     enqueue: ["media.*": [uploaderKey]],
///     consume: ["media.*": [resizerKey], "*": []]
/// )
/// ```
public struct QueueAuthorization: Sendable, Hashable {
    /// Who may enqueue: keys allowed, by queue name or `prefix*`.
    public var enqueue: [String: Set<String>]
    /// Who may consume (attach a worker): keys allowed, by queue name or `prefix*`.
    public var consume: [String: Set<String>]

    /// No rules: every authenticated client may enqueue to and consume every queue (the default).
    public static let allowAll = QueueAuthorization()

    /// Creates the rules.
    ///
    /// ```swift
    /// let rules = QueueAuthorization(enqueue: ["billing.Invoices/Send": [billingKey]])
    /// ```
    ///
    /// - Parameters:
    ///   - enqueue: Producer public keys (Z85) allowed, by queue name or `prefix*`.
    ///   - consume: Worker public keys (Z85) allowed, by queue name or `prefix*`.
    public init(enqueue: [String: Set<String>] = [:], consume: [String: Set<String>] = [:]) {
        self.enqueue = enqueue
        self.consume = consume
    }

    /// Reads the rules from a file: one rule a line, `<queue or prefix*> enqueue|consume <key>…`
    /// (keys in Z85, separated by spaces; none: nobody); a word starting with `#` that is not a
    /// 40-character key starts a comment. Lines for the same queue and action add up.
    ///
    /// ```text
    /// media.*                  enqueue  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
    /// media.Thumbnails/Resize  consume  Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
    /// *                        consume
    /// ```
    ///
    /// ```swift
    /// configuration.authorization = try QueueAuthorization(contentsOf: "/etc/zrpc/queues.rules")
    /// ```
    ///
    /// - Parameter path: The file.
    /// - Throws: The file's read error, or `QueueAuthorization.FileError` naming the line that is
    ///   not a rule.
    public init(contentsOf path: String) throws {
        do {
            let rules = try KeyRulesFile.read(path, actions: ["enqueue", "consume"])
            self.init(enqueue: rules["enqueue"] ?? [:], consume: rules["consume"] ?? [:])
        } catch let error as KeyRulesFile.BadLine {
            throw FileError(path: path, line: error.line)
        }
    }

    /// A line of a rules file that is not `<queue> enqueue|consume <key>…` (keys of 40 characters).
    ///
    /// ```swift
    /// do { _ = try QueueAuthorization(contentsOf: path) } catch let error as QueueAuthorization.FileError { print(error) }
    /// ```
    public struct FileError: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// The line (from 1).
        public var line: Int

        /// Names the file and line, never the line's content (it may hold a mistyped secret).
        public var description: String {
            "\(path):\(line) is not \"<queue> enqueue|consume <public key>…\""
        }
    }

    /// Whether the client with `publicKey` (nil: unauthenticated) may enqueue to `queue`.
    ///
    /// ```swift
    /// #expect(rules.mayEnqueue(publicKey: uploaderKey, queue: "media.Thumbnails/Resize"))
    /// ```
    ///
    /// - Parameters:
    ///   - publicKey: The producer's CURVE public key (Z85), nil under plain text.
    ///   - queue: The queue's name.
    /// - Returns: Whether its enqueue is accepted.
    public func mayEnqueue(publicKey: String?, queue: String) -> Bool {
        Self.permits(enqueue, publicKey, queue)
    }

    /// Whether the worker with `publicKey` (nil: unauthenticated) may consume `queue`.
    ///
    /// ```swift
    /// #expect(!rules.mayConsume(publicKey: uploaderKey, queue: "media.Thumbnails/Resize"))
    /// ```
    ///
    /// - Parameters:
    ///   - publicKey: The worker's CURVE public key (Z85), nil under plain text.
    ///   - queue: The queue's name.
    /// - Returns: Whether it may attach to the queue.
    public func mayConsume(publicKey: String?, queue: String) -> Bool {
        Self.permits(consume, publicKey, queue)
    }

    private static func permits(_ rules: [String: Set<String>], _ key: String?, _ queue: String) -> Bool {
        guard !rules.isEmpty else { return true }
        let allowed =
            rules[queue]
            ?? rules.filter { $0.key.hasSuffix("*") && queue.hasPrefix($0.key.dropLast()) }
            .max { $0.key.count < $1.key.count }?.value
        guard let allowed else { return true }
        guard let key else { return false }
        return allowed.contains(key)
    }
}

/// Requests a ``QueueBroker`` refused under its ``QueueAuthorization``.
///
/// ```swift
/// print(broker.denials.enqueues, broker.denials.workers)
/// ```
public struct QueueDenials: Hashable, Sendable {
    /// Enqueue calls refused (`PERMISSION_DENIED`, nothing stored).
    public var enqueues = 0
    /// `Work` streams refused (`PERMISSION_DENIED`).
    public var workers = 0

    /// Counts at zero.
    public init() {}
}
