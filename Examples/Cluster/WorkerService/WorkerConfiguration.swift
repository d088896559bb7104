public import Configuration
public import ZRPC

/// Everything `cluster-worker` is configured with: its kind, its health server, its client of the
/// broker, its ledger, how many tasks it runs at once, its flakiness and its grace period. Start from
/// ``defaults`` and ``apply(_:scope:)`` the environment on top; `WORKER_KIND` has no default.
///
/// ```swift
/// import Configuration
/// var configuration = WorkerConfiguration.defaults
/// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()))
/// guard let kind = configuration.kind else { fatalError("WORKER_KIND is payment or notification") }
/// ```
public struct WorkerConfiguration: Sendable {
    /// Which queue it works on; nil until `WORKER_KIND` says.
    public var kind: WorkerKind?
    /// The server of its health service (nothing else is served).
    public var server: Server.Configuration
    /// The client of the broker (`zrpc-broker`).
    public var broker: Client.Configuration
    /// The ledger's SQLite file, shared by the workers of one kind; nil: `<kind>-ledger.sqlite` in the
    /// working directory.
    public var ledgerPath: String?
    /// How many tasks it runs at once (its credit at the broker).
    public var concurrency: Int
    /// The flakiness it puts into its tasks.
    public var faults: WorkerFaults
    /// How long a graceful stop waits for the tasks in hand.
    public var gracePeriod: Duration

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - kind: Which queue.
    ///   - server: The health server's settings.
    ///   - broker: The broker's client.
    ///   - ledgerPath: The ledger's file.
    ///   - concurrency: Tasks at once.
    ///   - faults: The flakiness.
    ///   - gracePeriod: The longest wait for the tasks in hand on a graceful stop.
    public init(
        kind: WorkerKind?,
        server: Server.Configuration,
        broker: Client.Configuration,
        ledgerPath: String?,
        concurrency: Int,
        faults: WorkerFaults,
        gracePeriod: Duration
    ) {
        self.kind = kind
        self.server = server
        self.broker = broker
        self.ledgerPath = ledgerPath
        self.concurrency = concurrency
        self.faults = faults
        self.gracePeriod = gracePeriod
    }

    /// No kind; health on `tcp://127.0.0.1:*` (a free port, printed at start-up); the broker at
    /// `tcp://127.0.0.1:7100`; 8 tasks at once; no faults; 10 s grace period.
    public static var defaults: WorkerConfiguration {
        WorkerConfiguration(
            kind: nil,
            server: Server.Configuration(endpoints: ["tcp://127.0.0.1:*"]),
            broker: Client.Configuration(endpoints: ["tcp://127.0.0.1:7100"]),
            ledgerPath: nil,
            concurrency: 8,
            faults: .none,
            gracePeriod: .seconds(10)
        )
    }

    /// The ledger's file: ``ledgerPath``, or `<kind>-ledger.sqlite`.
    public var effectiveLedgerPath: String? {
        ledgerPath ?? kind.map { "\($0.rawValue)-ledger.sqlite" }
    }

    /// Applies the settings found under `scope` in `config` on top of these; settings not found keep
    /// their values. A value that does not parse is an error naming the environment variable.
    ///
    /// | key under `scope` | environment variable for scope `worker` | sets |
    /// |---|---|---|
    /// | `kind` | `WORKER_KIND=payment` or `notification` | ``kind`` |
    /// | `ledger-path` | `WORKER_LEDGER_PATH=/var/lib/payment-ledger.sqlite` | ``ledgerPath`` |
    /// | `concurrency` | `WORKER_CONCURRENCY=8` | ``concurrency`` |
    /// | `failure-rate`, `permanent-failure-rate` | `WORKER_FAILURE_RATE=0.2` | ``faults`` (fractions, 0 to 1) |
    /// | `delay-ms` | `WORKER_DELAY_MS=50` | ``faults`` |
    /// | `grace-period-ms` | `WORKER_GRACE_PERIOD_MS=10000` | ``gracePeriod`` |
    /// | `broker.endpoints`, … | `WORKER_BROKER_ENDPOINTS=tcp://127.0.0.1:7100` | ``broker`` |
    /// | the server's keys (`endpoints`, …) | `WORKER_ENDPOINTS=tcp://127.0.0.1:7401` | ``server`` |
    ///
    /// ```swift
    /// let environment = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
    ///     "WORKER_KIND": "payment", "WORKER_FAILURE_RATE": "0.2", "WORKER_DELAY_MS": "50",
    /// ]))
    /// var configuration = WorkerConfiguration.defaults
    /// try configuration.apply(environment)
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The process's name in the configuration (`worker`).
    /// - Throws: `ResilienceConfigurationError` naming the variable whose value is invalid.
    public mutating func apply(_ config: ConfigReader, scope: String = "worker") throws {
        try server.apply(config, scope: scope)
        try broker.apply(config, scope: scope + ".broker")
        let reader = ScopedReader(config: config, scope: scope)
        if let name = try reader.string("kind") {
            guard let kind = WorkerKind(rawValue: name.trimmingWhitespace().lowercased()) else {
                throw ResilienceConfigurationError(
                    "\(reader.describe("kind")) = \"\(name)\" is not payment or notification"
                )
            }
            self.kind = kind
        }
        if let path = try reader.string("ledger-path") {
            let trimmed = path.trimmingWhitespace()
            guard !trimmed.isEmpty else {
                throw ResilienceConfigurationError("\(reader.describe("ledger-path")) is empty")
            }
            ledgerPath = trimmed
        }
        if let concurrency = try reader.int("concurrency") {
            guard concurrency > 0 else {
                throw ResilienceConfigurationError(
                    "\(reader.describe("concurrency")) = \(concurrency) must be positive"
                )
            }
            self.concurrency = concurrency
        }
        if let rate = try Self.fraction(reader, "failure-rate") { faults.failureRate = rate }
        if let rate = try Self.fraction(reader, "permanent-failure-rate") { faults.permanentFailureRate = rate }
        guard faults.failureRate + faults.permanentFailureRate <= 1 else {
            throw ResilienceConfigurationError(
                "\(reader.describe("failure-rate")) and \(reader.describe("permanent-failure-rate")) add up to more than 1"
            )
        }
        if let delay = try reader.milliseconds("delay-ms") { faults.delay = delay }
        if let grace = try reader.milliseconds("grace-period-ms") { gracePeriod = grace }
    }

    private static func fraction(_ reader: ScopedReader, _ key: String) throws -> Double? {
        guard let value = try reader.double(key) else { return nil }
        guard (0...1).contains(value) else {
            throw ResilienceConfigurationError("\(reader.describe(key)) = \(value) is not between 0 and 1")
        }
        return value
    }
}
