public import Configuration
public import Logging

extension Logger.Level {
    /// The level set by `log-level` under `scope` in `config` (for scope `orders`, the environment
    /// variable `ORDERS_LOG_LEVEL`), or nil when it is not set: one of `trace`, `debug`, `info`,
    /// `notice`, `warning`, `error`, `critical`, in any case. ZRPC's processes and the example
    /// cluster's read it at start-up, before they make their loggers.
    ///
    /// ```swift
    /// let environment = ConfigReader(provider: EnvironmentVariablesProvider())
    /// var logger = Logger(label: "cluster-orders")
    /// logger.logLevel = try Logger.Level.read(environment, scope: "orders") ?? .notice
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The process's name in the configuration.
    /// - Throws: `ResilienceConfigurationError` naming the variable when its value is not a level.
    public static func read(_ config: ConfigReader, scope: String) throws -> Logger.Level? {
        let reader = ScopedReader(config: config, scope: scope)
        guard let text = try reader.string("log-level") else { return nil }
        guard let level = Logger.Level(rawValue: text.trimmingWhitespace().lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ResilienceConfigurationError("\(reader.describe("log-level")) = \"\(text)\" is not one of \(names)")
        }
        return level
    }
}
