public import Configuration
import Foundation
public import ZRPC
public import ZRPCQueue

/// Everything `cluster-scheduler` is configured with: its server (health and readiness), its client of
/// the orders service and when the reconciliation runs. Start from ``defaults`` and
/// ``apply(_:scope:)`` the environment on top.
///
/// ```swift
/// import Configuration
/// var configuration = SchedulerConfiguration.defaults
/// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider()))
/// ```
public struct SchedulerConfiguration: Sendable {
    /// The scheduler's server: it serves the health service alone.
    public var server: Server.Configuration
    /// The orders service's client.
    public var orders: Client.Configuration
    /// When the reconciliation runs.
    public var reconcile: Schedule.Trigger

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - server: The server.
    ///   - orders: The orders service's client.
    ///   - reconcile: When the reconciliation runs.
    public init(server: Server.Configuration, orders: Client.Configuration, reconcile: Schedule.Trigger) {
        self.server = server
        self.orders = orders
        self.reconcile = reconcile
    }

    /// Serves health on `tcp://127.0.0.1:7500`; the orders service at `tcp://127.0.0.1:7300`, whose
    /// `.proto` gives `Reconcile` a 5 s deadline; the reconciliation every 5 s.
    public static var defaults: SchedulerConfiguration {
        SchedulerConfiguration(
            server: Server.Configuration(endpoints: ["tcp://127.0.0.1:7500"]),
            orders: Client.Configuration(endpoints: ["tcp://127.0.0.1:7300"]),
            reconcile: .every(.seconds(5), anchor: Date(timeIntervalSince1970: 0))
        )
    }

    /// Applies the settings found under `scope` in `config` on top of these; settings not found keep
    /// their values. A value that does not parse is an error naming the environment variable.
    ///
    /// | key under `scope` | environment variable for scope `scheduler` | sets |
    /// |---|---|---|
    /// | the server's keys (`endpoints`, …) | `SCHEDULER_ENDPOINTS=tcp://127.0.0.1:7500` | ``server`` |
    /// | `orders.` + a client's keys | `SCHEDULER_ORDERS_ENDPOINTS=tcp://127.0.0.1:7300` | ``orders`` |
    /// | `reconcile.every-ms` (at least 1000) | `SCHEDULER_RECONCILE_EVERY_MS=5000` | ``reconcile``: an interval |
    /// | `reconcile.cron` (five fields, UTC) | `SCHEDULER_RECONCILE_CRON="*/2 * * * *"` | ``reconcile``: a cron expression (not with `every-ms`) |
    ///
    /// ```swift
    /// var configuration = SchedulerConfiguration.defaults
    /// try configuration.apply(ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
    ///     "SCHEDULER_RECONCILE_CRON": "*/2 * * * *",
    /// ])))
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The service's name in the configuration (`scheduler`).
    /// - Throws: `ResilienceConfigurationError` naming the variable whose value is invalid.
    public mutating func apply(_ config: ConfigReader, scope: String = "scheduler") throws {
        try server.apply(config, scope: scope)
        try orders.apply(config, scope: scope + ".orders")
        let reader = ScopedReader(config: config, scope: scope)
        let every = try reader.milliseconds("reconcile.every-ms")
        let cron = try reader.string("reconcile.cron")
        switch (every, cron) {
        case (_?, _?):
            throw ResilienceConfigurationError(
                "set \(reader.describe("reconcile.every-ms")) or \(reader.describe("reconcile.cron")), not both"
            )
        case (let every?, nil):
            guard every >= .seconds(1) else {
                throw ResilienceConfigurationError("\(reader.describe("reconcile.every-ms")) must be at least 1000")
            }
            reconcile = .every(every, anchor: Date(timeIntervalSince1970: 0))
        case (nil, let cron?):
            do {
                reconcile = .cron(try CronExpression(cron.trimmingWhitespace()), .gmt)
            } catch {
                throw ResilienceConfigurationError("\(reader.describe("reconcile.cron")): \(error)")
            }
        case (nil, nil):
            break
        }
    }
}
