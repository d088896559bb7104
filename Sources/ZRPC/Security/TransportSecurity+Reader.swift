public import Configuration
import Foundation
public import Logging

extension TransportSecurity {
    /// Reads CURVE settings under `scope` (environment variables, files, …): nil when none is set.
    /// Server and client configurations' `apply(_:scope:)` call it; pipelines, publishers,
    /// subscriptions and forwarders can use it for their own scopes.
    ///
    /// | key under `scope` | environment variable for scope `orders` | meaning |
    /// |---|---|---|
    /// | `curve.secret-key` | `ORDERS_CURVE_SECRET_KEY=<40 Z85 characters>` | this side's secret key |
    /// | `curve.secret-key-file` | `ORDERS_CURVE_SECRET_KEY_FILE=/run/secrets/orders.key` | a file holding it (preferred) |
    /// | `curve.allow-list-file` | `ORDERS_CURVE_ALLOW_LIST_FILE=/etc/zrpc/orders.allow` | makes this side a CURVE server with that allow-list |
    /// | `curve.server-public-key` | `ORDERS_CURVE_SERVER_PUBLIC_KEY=<40 Z85 characters>` | makes this side a CURVE client of that server |
    ///
    /// A secret key with neither an allow-list nor a server key, or both, is an error; so is a
    /// key that is not 40 Z85 characters. Errors never contain the secret key.
    ///
    /// ```swift
    /// import Configuration
    /// let config = ConfigReader(provider: EnvironmentVariablesProvider())
    /// if let security = try TransportSecurity.read(config, scope: "events") { publisher.security = security }
    /// ```
    ///
    /// - Parameters:
    ///   - config: Where to read.
    ///   - scope: The component's name in the configuration (e.g. `orders`).
    ///   - logger: Where an allow-list logs its reloads.
    /// - Returns: The security, or nil when no `curve.` key is set.
    /// - Throws: ``ResilienceConfigurationError`` naming the variable that is wrong.
    public static func read(
        _ config: ConfigReader,
        scope: String,
        logger: Logger = Logger(label: "zrpc.curve")
    ) throws -> TransportSecurity? {
        let reader = ScopedReader(config: config, scope: scope)
        let keys = ["curve.secret-key", "curve.secret-key-file", "curve.allow-list-file", "curve.server-public-key"]
        guard try reader.anySet(keys) else { return nil }
        let secret: String
        let secretSetting: String
        if let inline = try reader.string("curve.secret-key") {
            secret = inline
            secretSetting = reader.describe("curve.secret-key")
        } else if let file = try reader.string("curve.secret-key-file") {
            secretSetting = reader.describe("curve.secret-key-file")
            guard let text = try? String(contentsOfFile: file.trimmingWhitespace(), encoding: .utf8) else {
                throw ResilienceConfigurationError("\(reader.describe("curve.secret-key-file")): cannot read \(file)")
            }
            secret = text
        } else {
            throw ResilienceConfigurationError(
                "CURVE is configured but \(reader.describe("curve.secret-key")) or "
                    + "\(reader.describe("curve.secret-key-file")) is not set"
            )
        }
        let pair: CurveKeys
        do {
            pair = try CurveKeys(secretKey: secret)
        } catch {
            throw ResilienceConfigurationError("\(secretSetting): the secret key is not 40 Z85 characters")
        }
        let allowListFile = try reader.string("curve.allow-list-file")
        let serverKey = try reader.string("curve.server-public-key")
        switch (allowListFile, serverKey) {
        case (let file?, nil):
            do {
                return .curveServer(keys: pair, allowList: try CurveAllowList(contentsOf: file, logger: logger))
            } catch {
                throw ResilienceConfigurationError("\(reader.describe("curve.allow-list-file")): \(error)")
            }
        case (nil, let key?):
            do {
                return try .curveClient(keys: pair, serverPublicKey: key)
            } catch {
                throw ResilienceConfigurationError("\(reader.describe("curve.server-public-key")): \(error)")
            }
        default:
            throw ResilienceConfigurationError(
                "set exactly one of \(reader.describe("curve.allow-list-file")) (a CURVE server) and "
                    + "\(reader.describe("curve.server-public-key")) (a CURVE client)"
            )
        }
    }
}
