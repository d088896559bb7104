/// ZRPC's call options of a method (`(zrpc.method_policy)` over its service's
/// `(zrpc.service_policy)`, field by field) as the Swift of a `CallDefaults` value; nil when
/// neither declares anything.
struct CallPolicyEmitter {
    let service: Zrpc_Descriptor_CallPolicy?
    let method: Zrpc_Descriptor_CallPolicy?

    /// `.init(timeout: .milliseconds(250), hedging: .init(maxAttempts: 2, delay: .milliseconds(50)))`.
    func swift() throws -> String? {
        var arguments: [String] = []
        if let timeout = pick(\.timeoutMillis) { arguments.append("timeout: .milliseconds(\(timeout))") }
        if method?.idempotencyKeyed == true || service?.idempotencyKeyed == true {
            arguments.append("idempotencyKeyed: true")
        }
        if let retry = method?.retry ?? service?.retry {
            guard retry.maxAttempts >= 1 else {
                throw GeneratorError("a retry policy needs max_attempts of at least 1")
            }
            var parts = ["maxAttempts: \(retry.maxAttempts)"]
            if retry.initialBackoffMillis > 0 {
                parts.append("initialBackoff: .milliseconds(\(retry.initialBackoffMillis))")
            }
            if retry.maxBackoffMillis > 0 { parts.append("maxBackoff: .milliseconds(\(retry.maxBackoffMillis))") }
            if retry.backoffMultiplier > 0 { parts.append("multiplier: \(retry.backoffMultiplier)") }
            arguments.append("retry: .init(\(parts.joined(separator: ", ")))")
        }
        if let hedging = method?.hedging ?? service?.hedging {
            guard hedging.maxAttempts >= 1 else {
                throw GeneratorError("a hedging policy needs max_attempts of at least 1")
            }
            arguments.append(
                "hedging: .init(maxAttempts: \(hedging.maxAttempts), delay: .milliseconds(\(hedging.delayMillis)))"
            )
        }
        if let ttl = pick(\.cacheTtlMillis) { arguments.append("cacheTimeToLive: .milliseconds(\(ttl))") }
        return arguments.isEmpty ? nil : ".init(\(arguments.joined(separator: ", ")))"
    }

    /// The method's value when non-zero, else the service's when non-zero.
    private func pick(_ field: KeyPath<Zrpc_Descriptor_CallPolicy, UInt32>) -> UInt32? {
        if let value = method?[keyPath: field], value > 0 { return value }
        if let value = service?[keyPath: field], value > 0 { return value }
        return nil
    }
}
