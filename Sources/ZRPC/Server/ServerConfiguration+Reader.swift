public import Configuration

extension Server.Configuration {
    /// Applies the settings found under `scope` in `config` (environment variables, files, …) on
    /// top of these, as ``Client/Configuration/apply(_:scope:methods:)`` does for clients; settings
    /// not found keep their values. A value that does not parse is an error naming the environment
    /// variable and key that were set — never a silent default.
    ///
    /// | key under `scope` | environment variable for scope `orders` | sets |
    /// |---|---|---|
    /// | `endpoints` | `ORDERS_ENDPOINTS=tcp://0.0.0.0:5555` | ``endpoints`` |
    /// | `max-concurrent-calls` | `ORDERS_MAX_CONCURRENT_CALLS=256` | ``maxConcurrentCalls`` |
    /// | `max-concurrent-calls-per-client` | `ORDERS_MAX_CONCURRENT_CALLS_PER_CLIENT=64` | ``maxConcurrentCallsPerClient`` |
    /// | `max-calls-per-second-per-client` | `ORDERS_MAX_CALLS_PER_SECOND_PER_CLIENT=500` | ``maxCallsPerSecondPerClient`` |
    /// | `default-timeout-ms`, `max-timeout-ms` | `ORDERS_MAX_TIMEOUT_MS=60000` | ``defaultTimeout``, ``maxTimeout`` |
    /// | `max-request-bytes` | `ORDERS_MAX_REQUEST_BYTES=1048576` | ``maxRequestBytes`` |
    /// | `grace-period-ms` | `ORDERS_GRACE_PERIOD_MS=5000` | ``gracePeriod`` |
    /// | `heartbeat-interval-ms`, `heartbeat-timeout-ms` | `ORDERS_HEARTBEAT_TIMEOUT_MS=10000` | ``heartbeatInterval``, ``heartbeatTimeout`` |
    /// | `handlers` | `ORDERS_HANDLERS=concurrent` | ``handlerExecution``: `adaptive`, `concurrent` or `io-thread` |
    /// | `watchdog.threshold-ms`, `watchdog.moves` | `ORDERS_WATCHDOG_THRESHOLD_MS=5` | the `adaptive` watchdog (either turns `adaptive` on) |
    /// | `stream-window` | `ORDERS_STREAM_WINDOW=64` | ``streamWindow`` |
    /// | `directory` | `ORDERS_DIRECTORY=tcp://directory:7000` | ``directory`` (announce to it) |
    /// | `directory.advertise`, `directory.interval-ms`, `directory.lease-ms` | `ORDERS_DIRECTORY_ADVERTISE=tcp://10.0.0.7:5555` | the announcement (with `directory` set) |
    /// | `curve.secret-key-file` (or `curve.secret-key`), `curve.allow-list-file` | `ORDERS_CURVE_ALLOW_LIST_FILE=/etc/zrpc/orders.allow` | ``security`` (see ``TransportSecurity/read(_:scope:logger:)``) |
    ///
    /// ```swift
    /// import Configuration
    /// var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:5555"])
    /// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()), scope: "orders")
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The server's name in the configuration (e.g. `orders`).
    /// - Throws: ``ResilienceConfigurationError`` for a value that does not parse or is out of range.
    public mutating func apply(_ config: ConfigReader, scope: String) throws {
        let reader = ScopedReader(config: config, scope: scope)
        if let endpoints = try reader.list("endpoints") { self.endpoints = endpoints }
        if let calls = try reader.positive("max-concurrent-calls") { maxConcurrentCalls = calls }
        if let calls = try reader.positive("max-concurrent-calls-per-client") { maxConcurrentCallsPerClient = calls }
        if let rate = try reader.positive("max-calls-per-second-per-client") { maxCallsPerSecondPerClient = rate }
        if let timeout = try reader.milliseconds("default-timeout-ms") { defaultTimeout = timeout }
        if let timeout = try reader.milliseconds("max-timeout-ms") { maxTimeout = timeout }
        if let bytes = try reader.positive("max-request-bytes") { maxRequestBytes = bytes }
        if let grace = try reader.milliseconds("grace-period-ms") { gracePeriod = grace }
        if let interval = try reader.milliseconds("heartbeat-interval-ms") { heartbeatInterval = interval }
        if let timeout = try reader.milliseconds("heartbeat-timeout-ms") { heartbeatTimeout = timeout }
        if let window = try reader.positive("stream-window") { streamWindow = window }
        try applyHandlerExecution(reader)
        try applyDirectory(reader)
        if let security = try TransportSecurity.read(config, scope: scope, logger: logger) { self.security = security }
    }

    private mutating func applyHandlerExecution(_ reader: ScopedReader) throws {
        if let handlers = try reader.string("handlers") {
            switch handlers.trimmingWhitespace().lowercased() {
            case "adaptive": handlerExecution = .adaptive
            case "concurrent": handlerExecution = .concurrent
            case "io-thread": handlerExecution = .ioThread
            default:
                throw ResilienceConfigurationError(
                    "\(reader.describe("handlers")) = \"\(handlers)\" is not adaptive, concurrent or io-thread"
                )
            }
        }
        guard try reader.anySet(["watchdog.threshold-ms", "watchdog.moves"]) else { return }
        var watchdog = handlerExecution.watchdog ?? Server.HandlerExecution.Watchdog()
        if let threshold = try reader.milliseconds("watchdog.threshold-ms") {
            guard threshold >= .milliseconds(1) else {
                throw ResilienceConfigurationError("\(reader.describe("watchdog.threshold-ms")) must be at least 1")
            }
            watchdog.threshold = threshold
        }
        if let moves = try reader.bool("watchdog.moves") { watchdog.movesBlockingServices = moves }
        handlerExecution = .watched(watchdog)
    }

    private mutating func applyDirectory(_ reader: ScopedReader) throws {
        let keys = ["directory.advertise", "directory.interval-ms", "directory.lease-ms"]
        guard let endpoints = try reader.list("directory") else {
            if let key = try keys.first(where: { try reader.string($0) != nil }) {
                throw ResilienceConfigurationError(
                    "\(reader.describe(key)) is set but \(reader.describe("directory")) is not"
                )
            }
            return
        }
        var registration = directory ?? Server.DirectoryRegistration(directory: endpoints)
        registration.directory = endpoints
        if let advertised = try reader.list("directory.advertise") { registration.advertisedEndpoints = advertised }
        if let interval = try reader.milliseconds("directory.interval-ms") { registration.interval = interval }
        if let lease = try reader.milliseconds("directory.lease-ms") { registration.lease = lease }
        guard registration.lease > registration.interval else {
            throw ResilienceConfigurationError(
                "\(reader.describe("directory.lease-ms")) must be longer than the announcement interval"
            )
        }
        directory = registration
    }
}

extension ScopedReader {
    /// A comma-separated list of at least one item.
    package func list(_ key: String) throws -> [String]? {
        guard let text = try string(key) else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ResilienceConfigurationError("\(describe(key)) names nothing") }
        return items
    }

    /// A whole number above zero.
    package func positive(_ key: String) throws -> Int? {
        guard let value = try int(key) else { return nil }
        guard value > 0 else { throw ResilienceConfigurationError("\(describe(key)) = \(value) must be above zero") }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    package func bool(_ key: String) throws -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.trimmingWhitespace().lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ResilienceConfigurationError("\(describe(key)) = \"\(text)\" is not true or false")
        }
    }
}
