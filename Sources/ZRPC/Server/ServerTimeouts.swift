/// How a server turns a request's `timeout_micros` into the time it gives the handler.
package enum ServerTimeouts {
    /// 0 (not given) → the default; anything above the maximum (absurd values included) → the
    /// maximum; both bounded by the maximum.
    package static func clamp(micros: UInt64, _ configuration: Server.Configuration) -> Duration {
        guard micros > 0 else { return min(configuration.defaultTimeout, configuration.maxTimeout) }
        let maxMicros = WireFormat.micros(configuration.maxTimeout)
        return .microseconds(Int64(min(micros, maxMicros)))
    }
}
