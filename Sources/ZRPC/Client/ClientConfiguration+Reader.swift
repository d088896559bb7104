public import Configuration

extension Client.Configuration {
    /// Applies the settings found under `scope` in `config` (environment variables, files, …) on
    /// top of these; settings not found keep their values. Any one setting of a layer turns that
    /// layer on, with the code's policy (or the defaults) for the settings not given. A value that
    /// does not parse, or makes the policy invalid, is a ``ResilienceConfigurationError`` naming
    /// the environment variable and key that were set — never a silent default.
    ///
    /// | key under `scope` | environment variable for scope `orders` | sets |
    /// |---|---|---|
    /// | `endpoints` | `ORDERS_ENDPOINTS=tcp://a:1,tcp://b:1` | ``endpoints`` |
    /// | `timeout-ms` | `ORDERS_TIMEOUT_MS=250` | ``defaultTimeout`` |
    /// | `retry.max-attempts` | `ORDERS_RETRY_MAX_ATTEMPTS=3` | turns retries on |
    /// | `retry.initial-backoff-ms`, `retry.max-backoff-ms`, `retry.multiplier` | … | the backoff (turns retries on too) |
    /// | `hedging.max-attempts`, `hedging.delay-ms` | `ORDERS_HEDGING_DELAY_MS=20` | either turns hedging on |
    /// | `breaker.failure-rate`, `breaker.minimum-calls`, `breaker.window-calls`, `breaker.open-ms`, `breaker.probes` | `ORDERS_BREAKER_FAILURE_RATE=0.5` | any of them turns the breaker on |
    /// | `bulkhead.max-concurrent`, `bulkhead.max-queued`, `bulkhead.max-wait-ms` | `ORDERS_BULKHEAD_MAX_CONCURRENT=16` | any of them turns the bulkhead on |
    /// | `<method>.timeout-ms` (for each of `methods`) | `ORDERS_GET_TIMEOUT_MS=100` | ``methodTimeouts`` |
    /// | `<method>.retry.max-attempts` | `ORDERS_GET_RETRY_MAX_ATTEMPTS=5` | that method's attempts (with retries on) |
    /// | `<method>.hedging.max-attempts`, `<method>.hedging.delay-ms` | `ORDERS_GET_HEDGING_MAX_ATTEMPTS=1` | that method's hedging (with hedging on; 1 attempt: not hedged) |
    /// | `curve.secret-key-file` (or `curve.secret-key`), `curve.server-public-key` | `ORDERS_CURVE_SERVER_PUBLIC_KEY=…` | ``security`` (see ``TransportSecurity/read(_:scope:logger:)``) |
    ///
    /// ```swift
    /// import Configuration
    /// var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:5555"])
    /// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()), scope: "orders")
    /// let client = try await Client(configuration: configuration)   // logs the effective policy
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The service's name in the configuration (e.g. `orders`).
    ///   - methods: Methods whose per-method settings to read (keys use the method's name, e.g. `get`).
    public mutating func apply(_ config: ConfigReader, scope: String, methods: [MethodDescriptor] = []) throws {
        let reader = ScopedReader(config: config, scope: scope)
        if let endpoints = try reader.string("endpoints") {
            self.endpoints = endpoints.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            guard !self.endpoints.isEmpty else {
                throw ResilienceConfigurationError("\(reader.describe("endpoints")) names no endpoint")
            }
        }
        if let timeout = try reader.milliseconds("timeout-ms") { defaultTimeout = timeout }

        let retryKeys = ["retry.max-attempts", "retry.initial-backoff-ms", "retry.max-backoff-ms", "retry.multiplier"]
        if try reader.anySet(retryKeys) {
            var retry = resilience.retry ?? RetryInterceptor.Policy()
            if let attempts = try reader.int("retry.max-attempts") { retry.maxAttempts = attempts }
            if let initial = try reader.milliseconds("retry.initial-backoff-ms") { retry.backoff.initial = initial }
            if let maximum = try reader.milliseconds("retry.max-backoff-ms") { retry.backoff.maximum = maximum }
            if let multiplier = try reader.double("retry.multiplier") { retry.backoff.multiplier = multiplier }
            try reader.validating(retryKeys) { try retry.validate() }
            resilience.retry = retry
        }
        let hedgingKeys = ["hedging.max-attempts", "hedging.delay-ms"]
        if try reader.anySet(hedgingKeys) {
            var hedging = resilience.hedging ?? HedgingInterceptor.Policy()
            if let attempts = try reader.int("hedging.max-attempts") { hedging.maxAttempts = attempts }
            if let delay = try reader.milliseconds("hedging.delay-ms") { hedging.hedgingDelay = delay }
            try reader.validating(hedgingKeys) { try hedging.validate() }
            resilience.hedging = hedging
        }
        let breakerKeys = [
            "breaker.failure-rate", "breaker.minimum-calls", "breaker.window-calls", "breaker.open-ms",
            "breaker.probes",
        ]
        if try reader.anySet(breakerKeys) {
            var breaker = resilience.circuitBreaker ?? CircuitBreaker.Policy()
            if let rate = try reader.double("breaker.failure-rate") { breaker.failureRateThreshold = rate }
            if let minimum = try reader.int("breaker.minimum-calls") { breaker.minimumCalls = minimum }
            if let window = try reader.int("breaker.window-calls") { breaker.window = .count(window) }
            if let open = try reader.milliseconds("breaker.open-ms") { breaker.openDuration = open }
            if let probes = try reader.int("breaker.probes") { breaker.halfOpenProbes = probes }
            try reader.validating(breakerKeys) { try breaker.validate() }
            resilience.circuitBreaker = breaker
        }
        let bulkheadKeys = ["bulkhead.max-concurrent", "bulkhead.max-queued", "bulkhead.max-wait-ms"]
        if try reader.anySet(bulkheadKeys) {
            var bulkhead = resilience.bulkhead ?? Bulkhead.Policy()
            if let concurrent = try reader.int("bulkhead.max-concurrent") { bulkhead.maxConcurrentCalls = concurrent }
            if let queued = try reader.int("bulkhead.max-queued") { bulkhead.maxQueuedCalls = queued }
            if let wait = try reader.milliseconds("bulkhead.max-wait-ms") { bulkhead.maxWait = wait }
            try reader.validating(bulkheadKeys) { try bulkhead.validate() }
            resilience.bulkhead = bulkhead
        }
        for method in methods {
            let prefix = method.method.lowercased() + "."
            if let timeout = try reader.milliseconds(prefix + "timeout-ms") {
                methodTimeouts[method.fullName] = timeout
            }
            if let attempts = try reader.int(prefix + "retry.max-attempts") {
                guard var retry = resilience.retry else {
                    throw ResilienceConfigurationError(
                        "\(reader.describe(prefix + "retry.max-attempts")) is set but retries are off for \(scope)"
                    )
                }
                retry.maxAttemptsByMethod[method.fullName] = attempts
                try reader.validating([prefix + "retry.max-attempts"]) { try retry.validate() }
                resilience.retry = retry
            }
            let hedgingKeys = [prefix + "hedging.max-attempts", prefix + "hedging.delay-ms"]
            if try reader.anySet(hedgingKeys) {
                guard var hedging = resilience.hedging else {
                    let set = try hedgingKeys.first { try reader.string($0) != nil } ?? hedgingKeys[0]
                    throw ResilienceConfigurationError("\(reader.describe(set)) is set but hedging is off for \(scope)")
                }
                if let attempts = try reader.int(prefix + "hedging.max-attempts") {
                    hedging.maxAttemptsByMethod[method.fullName] = attempts
                }
                if let delay = try reader.milliseconds(prefix + "hedging.delay-ms") {
                    hedging.hedgingDelayByMethod[method.fullName] = delay
                }
                try reader.validating(hedgingKeys) { try hedging.validate() }
                resilience.hedging = hedging
            }
        }
        if let security = try TransportSecurity.read(config, scope: scope, logger: logger) { self.security = security }
    }
}

/// Reads typed values under a scope, telling "absent" from "present but not parseable"; its
/// errors name the setting as a user sets it: the environment variable (`ORDERS_TIMEOUT_MS`),
/// then the key (`orders.timeout-ms`, as a file would spell it).
package struct ScopedReader {
    let config: ConfigReader
    let scope: String

    /// A reader of the keys under `scope`.
    package init(config: ConfigReader, scope: String) {
        self.config = config
        self.scope = scope
    }

    /// The full key: `scope.key`.
    package func name(_ key: String) -> String { scope + "." + key }

    /// The environment variable that sets `key` (swift-configuration's mapping: each part of the
    /// key upper-cased, anything but letters and digits an underscore, parts joined by `_`).
    package func variable(_ key: String) -> String {
        name(key).split(separator: ".").map { part in
            String(part.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }.joined(separator: "_")
    }

    /// How an error names `key`: `ORDERS_TIMEOUT_MS (orders.timeout-ms)`.
    package func describe(_ key: String) -> String { "\(variable(key)) (\(name(key)))" }

    package func string(_ key: String) throws -> String? {
        config.string(forKey: ConfigKey(name(key)))
    }

    /// Whether any of `keys` is set.
    package func anySet(_ keys: [String]) throws -> Bool {
        try keys.contains { try string($0) != nil }
    }

    /// Runs a policy's validation; its error names the settings of `keys` that were set, since
    /// those (on top of the code's values or the defaults) made the policy invalid.
    package func validating(_ keys: [String], _ validate: () throws -> Void) throws {
        do {
            try validate()
        } catch let error as ResilienceConfigurationError {
            let set = try keys.compactMap { key in try string(key).map { "\(describe(key)) = \"\($0)\"" } }
            throw ResilienceConfigurationError("\(set.joined(separator: ", ")): \(error.message)")
        }
    }

    package func int(_ key: String) throws -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text.trimmingWhitespace()) else {
            throw ResilienceConfigurationError("\(describe(key)) = \"\(text)\" is not a whole number")
        }
        return value
    }

    package func double(_ key: String) throws -> Double? {
        guard let text = try string(key) else { return nil }
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
            throw ResilienceConfigurationError("\(describe(key)) = \"\(text)\" is not a number")
        }
        return value
    }

    package func milliseconds(_ key: String) throws -> Duration? {
        guard let value = try int(key) else { return nil }
        guard value >= 0 else { throw ResilienceConfigurationError("\(describe(key)) = \(value) must not be negative") }
        return .milliseconds(value)
    }
}

extension StringProtocol {
    package func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
