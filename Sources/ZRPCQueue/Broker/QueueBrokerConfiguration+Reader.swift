public import Configuration
import ZRPC

extension QueueBroker.Configuration {
    /// Applies the settings found under `scope` in `config` (environment variables, files, …) on top
    /// of these, as `Server.Configuration.apply(_:scope:)` does for servers; settings not found keep
    /// their values. A value that does not parse, or makes a policy invalid, is an error naming the
    /// environment variable and key that were set — never a silent default.
    ///
    /// | key under `scope` | environment variable for scope `broker` | sets |
    /// |---|---|---|
    /// | `database` | `BROKER_DATABASE=/var/lib/app/queue.sqlite` | ``databasePath`` |
    /// | `synchronous` | `BROKER_SYNCHRONOUS=normal` | ``synchronous``: `full` or `normal` |
    /// | `retention-ms` | `BROKER_RETENTION_MS=3600000` | ``retention`` |
    /// | `max-attempts` | `BROKER_MAX_ATTEMPTS=8` | ``defaultPolicy``'s ``TaskPolicy/maxAttempts`` |
    /// | `backoff-initial-ms`, `backoff-max-ms`, `backoff-multiplier` | `BROKER_BACKOFF_MAX_MS=30000` | its ``TaskPolicy/backoff`` |
    /// | `lease-ms` | `BROKER_LEASE_MS=60000` | its ``TaskPolicy/lease`` |
    /// | `deadline-ms` | `BROKER_DEADLINE_MS=0` | its ``TaskPolicy/deadline`` (0: none) |
    /// | `dead-letters` | `BROKER_DEAD_LETTERS=discard` | its ``TaskPolicy/keepsDeadLetters``: `keep` or `discard` |
    /// | `authorization-file` | `BROKER_AUTHORIZATION_FILE=/etc/zrpc/queues.rules` | ``authorization``, read by ``QueueAuthorization/init(contentsOf:)`` |
    /// | `<queue>.max-attempts`, `<queue>.backoff-…`, `<queue>.lease-ms`, `<queue>.deadline-ms`, `<queue>.dead-letters` (for each of `queues`) | `BROKER_MEDIA_THUMBNAILS_RESIZE_MAX_ATTEMPTS=10` | ``queuePolicies`` for that queue, over what its `.proto` declares |
    ///
    /// `<queue>` is the queue's name in lower case with `/` as `.`: `media.thumbnails.resize` for
    /// `media.Thumbnails/Resize`. A queue's backoff setting changes one field of the backoff it
    /// would otherwise get (its configured override, else its declared one, else the default policy's).
    ///
    /// ```swift
    /// import Configuration
    /// var configuration = QueueBroker.Configuration(databasePath: "queue.sqlite")
    /// try configuration.apply(
    ///     ConfigReader(provider: EnvironmentVariablesProvider()),
    ///     scope: "broker",
    ///     queues: Media_Thumbnails.queues
    /// )
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The broker's name in the configuration (e.g. `broker`).
    ///   - queues: Queues whose own settings to read (zrpc-gen's `<Service>.queues`).
    /// - Throws: `ResilienceConfigurationError` for a value that does not parse or is out of range.
    public mutating func apply(_ config: ConfigReader, scope: String, queues: [QueueDescriptor] = []) throws {
        let reader = ScopedReader(config: config, scope: scope)
        if let path = try reader.string("database") {
            guard !path.trimmingWhitespace().isEmpty else {
                throw ResilienceConfigurationError("\(reader.describe("database")) names no file")
            }
            databasePath = path.trimmingWhitespace()
        }
        if let level = try reader.string("synchronous") {
            guard let value = QueueBroker.Synchronous(rawValue: level.trimmingWhitespace().lowercased()) else {
                throw ResilienceConfigurationError(
                    "\(reader.describe("synchronous")) = \"\(level)\" is not full or normal"
                )
            }
            synchronous = value
        }
        if let retention = try reader.milliseconds("retention-ms") { self.retention = retention }
        if let path = try reader.string("authorization-file") {
            do {
                authorization = try QueueAuthorization(contentsOf: path.trimmingWhitespace())
            } catch {
                throw ResilienceConfigurationError("\(reader.describe("authorization-file")): \(error)")
            }
        }

        var policy = TaskPolicy.Overrides()
        try policy.read(reader, prefix: "", base: defaultPolicy, noDeadline: true)
        var defaults = defaultPolicy.applying(policy)
        if try reader.string("deadline-ms").map({ $0.trimmingWhitespace() == "0" }) == true { defaults.deadline = nil }
        try reader.validating(TaskPolicy.Overrides.keys) { try defaults.validate() }
        defaultPolicy = defaults

        for queue in queues {
            let prefix = queue.name.lowercased().replacingOccurrences(of: "/", with: ".") + "."
            var overrides = queuePolicies[queue.name] ?? TaskPolicy.Overrides()
            let base = defaultPolicy.applying(queue.declaredPolicy).applying(overrides)
            try overrides.read(reader, prefix: prefix, base: base, noDeadline: false)
            try reader.validating(TaskPolicy.Overrides.keys.map { prefix + $0 }) {
                try base.applying(overrides).validate()
            }
            if overrides != TaskPolicy.Overrides() { queuePolicies[queue.name] = overrides }
        }
    }
}

extension TaskPolicy.Overrides {
    /// The policy keys, under a scope or a queue's prefix.
    static let keys = [
        "max-attempts", "backoff-initial-ms", "backoff-max-ms", "backoff-multiplier", "lease-ms", "deadline-ms",
        "dead-letters",
    ]

    /// Sets the fields whose keys (after `prefix`) are set; a backoff setting changes that field of
    /// `base`'s backoff. With `noDeadline`, `deadline-ms` may be 0 (the caller clears the deadline).
    mutating func read(_ reader: ScopedReader, prefix: String, base: TaskPolicy, noDeadline: Bool) throws {
        if let attempts = try reader.int(prefix + "max-attempts") { maxAttempts = attempts }
        let backoffKeys = ["backoff-initial-ms", "backoff-max-ms", "backoff-multiplier"].map { prefix + $0 }
        if try reader.anySet(backoffKeys) {
            var backoff = base.backoff
            if let initial = try reader.milliseconds(backoffKeys[0]) { backoff.initial = initial }
            if let maximum = try reader.milliseconds(backoffKeys[1]) { backoff.maximum = maximum }
            if let multiplier = try reader.double(backoffKeys[2]) { backoff.multiplier = multiplier }
            self.backoff = backoff
        }
        if let lease = try reader.milliseconds(prefix + "lease-ms") { self.lease = lease }
        if let deadline = try reader.milliseconds(prefix + "deadline-ms") {
            guard deadline > .zero || noDeadline else {
                throw ResilienceConfigurationError(
                    "\(reader.describe(prefix + "deadline-ms")) must be above zero for a queue"
                )
            }
            if deadline > .zero { self.deadline = deadline }
        }
        if let mode = try reader.string(prefix + "dead-letters") {
            switch mode.trimmingWhitespace().lowercased() {
            case "keep": keepsDeadLetters = true
            case "discard": keepsDeadLetters = false
            default:
                throw ResilienceConfigurationError(
                    "\(reader.describe(prefix + "dead-letters")) = \"\(mode)\" is not keep or discard"
                )
            }
        }
    }
}

extension TaskPolicy {
    /// Throws when the broker would refuse tasks under this policy.
    func validate() throws {
        guard maxAttempts >= 1 else { throw ResilienceConfigurationError("max attempts must be at least 1") }
        guard backoff.initial > .zero, backoff.maximum >= backoff.initial else {
            throw ResilienceConfigurationError("the backoff needs 0 < initial ≤ maximum")
        }
        guard backoff.multiplier >= 1, backoff.multiplier.isFinite else {
            throw ResilienceConfigurationError("the backoff multiplier must be at least 1")
        }
        guard lease > .zero else { throw ResilienceConfigurationError("the lease must be above zero") }
    }
}
