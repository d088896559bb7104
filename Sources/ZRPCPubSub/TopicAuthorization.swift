import ZRPC

/// Which authenticated peers (CURVE public keys) may publish on which topics, and subscribe to
/// which, at a ``PubSubForwarder``: an event from a publisher its rules refuse is dropped and
/// counted; a subscription they refuse is not applied, so nothing is delivered on it.
///
/// Rules are keyed by topic prefix. For a topic, the **longest** rule prefix it starts with decides;
/// a topic no rule covers is open to every peer the allow-list let in. The rule `""` covers every
/// topic, so `"": []` closes what no longer rule opens. A subscription is a prefix too, and is
/// allowed only if the key may read **every** topic it could match: the rule that covers the
/// prefix itself and every rule under it (subscribing to `"prices."` needs `"prices.eu."` as well
/// when that has a rule of its own). Under plain text there is no key: a topic with a rule is
/// refused to everyone.
///
/// ```swift
/// forwarder.authorization = TopicAuthorization(
///     publish: ["prices.": [pricingKey]],                           // only pricing publishes prices
///     subscribe: ["": [], "prices.": [dashboardKey, pricingKey]]    // nothing else is readable
/// )
/// ```
public struct TopicAuthorization: Sendable, Hashable {
    /// Who may publish: keys allowed, by topic prefix.
    public var publish: [String: Set<String>]
    /// Who may subscribe: keys allowed, by topic prefix.
    public var subscribe: [String: Set<String>]

    /// No rules: every authenticated peer may publish and subscribe to everything (the default).
    public static let allowAll = TopicAuthorization()

    /// Creates the rules.
    ///
    /// ```swift
    /// let rules = TopicAuthorization(publish: ["orders.": [ordersKey]])
    /// ```
    ///
    /// - Parameters:
    ///   - publish: Publisher public keys (Z85) allowed, by topic prefix.
    ///   - subscribe: Subscriber public keys (Z85) allowed, by topic prefix.
    public init(publish: [String: Set<String>] = [:], subscribe: [String: Set<String>] = [:]) {
        self.publish = publish
        self.subscribe = subscribe
    }

    /// Reads the rules from a file: one rule a line, `<prefix> publish|subscribe <key>…` (keys in Z85,
    /// separated by spaces; none: nobody). A prefix may end in `*`, which is dropped (`prices.*` is
    /// the prefix `prices.`), so `*` alone is the empty prefix that covers every topic. A word
    /// starting with `#` that is not a 40-character key starts a comment. Lines for the same prefix
    /// and action add up. `zrpc-forwarder` reads `ZRPC_FORWARDER_AUTHORIZATION_FILE`.
    ///
    /// ```text
    /// prices.*   publish    rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
    /// prices.*   subscribe  Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
    /// *          subscribe
    /// ```
    ///
    /// ```swift
    /// configuration.authorization = try TopicAuthorization(contentsOf: "/etc/zrpc/topics.rules")
    /// ```
    ///
    /// - Parameter path: The file.
    /// - Throws: The file's read error, or ``FileError`` naming the line that is not a rule.
    public init(contentsOf path: String) throws {
        do {
            let rules = try KeyRulesFile.read(path, actions: ["publish", "subscribe"])
            func prefixes(_ rules: [String: Set<String>]?) -> [String: Set<String>] {
                (rules ?? [:]).reduce(into: [:]) { prefixes, rule in
                    let prefix = rule.key.hasSuffix("*") ? String(rule.key.dropLast()) : rule.key
                    prefixes[prefix, default: []].formUnion(rule.value)
                }
            }
            self.init(publish: prefixes(rules["publish"]), subscribe: prefixes(rules["subscribe"]))
        } catch let error as KeyRulesFile.BadLine {
            throw FileError(path: path, line: error.line)
        }
    }

    /// A line of a rules file that is not `<prefix> publish|subscribe <key>…` (keys of 40 characters).
    ///
    /// ```swift
    /// do { _ = try TopicAuthorization(contentsOf: path) } catch let error as TopicAuthorization.FileError { print(error) }
    /// ```
    public struct FileError: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// The line (from 1).
        public var line: Int

        /// Names the file and line, never the line's content (it may hold a mistyped secret).
        public var description: String {
            "\(path):\(line) is not \"<topic prefix> publish|subscribe <public key>…\""
        }
    }

    /// Whether the publisher with `publicKey` (nil: unauthenticated) may publish on `topic`.
    ///
    /// ```swift
    /// #expect(rules.mayPublish(publicKey: pricingKey, topic: "prices.eu.ABC"))
    /// ```
    ///
    /// - Parameters:
    ///   - publicKey: The publisher's CURVE public key (Z85), nil under plain text.
    ///   - topic: The event's topic.
    /// - Returns: Whether its events on `topic` are passed on.
    public func mayPublish(publicKey: String?, topic: String) -> Bool {
        TopicRules(publish).permits(publicKey, topic: Array(topic.utf8))
    }

    /// Whether the subscriber with `publicKey` (nil: unauthenticated) may subscribe to `prefix`:
    /// whether it may read every topic that starts with it.
    ///
    /// ```swift
    /// #expect(rules.maySubscribe(publicKey: dashboardKey, prefix: "prices."))
    /// #expect(!rules.maySubscribe(publicKey: dashboardKey, prefix: ""))   // would match secrets. too
    /// ```
    ///
    /// - Parameters:
    ///   - publicKey: The subscriber's CURVE public key (Z85), nil under plain text.
    ///   - prefix: The subscription's prefix.
    /// - Returns: Whether the subscription is applied.
    public func maySubscribe(publicKey: String?, prefix: String) -> Bool {
        TopicRules(subscribe).permitsAll(publicKey, under: Array(prefix.utf8))
    }
}

/// One side's rules as bytes, longest prefix first, for the forwarder's I/O thread.
struct TopicRules: Sendable {
    private let rules: [(prefix: [UInt8], keys: Set<String>)]

    init(_ rules: [String: Set<String>]) {
        self.rules = rules.map { (Array($0.key.utf8), $0.value) }.sorted { $0.prefix.count > $1.prefix.count }
    }

    /// Whether there are no rules (everything open).
    var isEmpty: Bool { rules.isEmpty }

    /// Whether `key` may use `topic`: the longest rule it starts with decides; none: open.
    func permits(_ key: String?, topic: some Collection<UInt8>) -> Bool {
        guard let rule = rules.first(where: { topic.starts(with: $0.prefix) }) else { return true }
        guard let key else { return false }
        return rule.keys.contains(key)
    }

    /// Whether `key` may use every topic that starts with `prefix`: the rule covering `prefix`
    /// and every rule whose prefix extends it.
    func permitsAll(_ key: String?, under prefix: [UInt8]) -> Bool {
        guard permits(key, topic: prefix) else { return false }
        return rules.allSatisfy { rule in
            rule.prefix.count <= prefix.count || !rule.prefix.starts(with: prefix)
                || key.map(rule.keys.contains) == true
        }
    }
}

extension TopicRules {
    /// Whether `key` may hold `subscription`: a welcome prefix always; a snapshot for the prefix it
    /// names; any other prefix when the key may read every topic it matches. A prefix that would
    /// match every snapshot topic (`""`, `"~"`, `"~zrpc.snapshot.ab"`) needs every topic.
    func permits(_ subscription: PubSubWire.SubscriptionMessage, key: String?) -> Bool {
        guard !isEmpty else { return true }
        let prefix = subscription.prefix
        if prefix.starts(with: PubSubWire.welcomePrefix) { return true }
        if prefix.starts(with: PubSubWire.snapshotPrefix) {
            return permitsAll(key, under: subscription.snapshotRequest ?? [])
        }
        if PubSubWire.snapshotPrefix.starts(with: prefix) { return permitsAll(key, under: []) }
        return permitsAll(key, under: prefix)
    }
}
