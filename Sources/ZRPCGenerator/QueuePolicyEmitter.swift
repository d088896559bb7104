/// A queue's declared delivery policy (`(zrpc.task_policy)` over its service's `(zrpc.queue)`, field
/// by field) as the Swift of a `TaskPolicy.Overrides` value.
struct QueuePolicyEmitter {
    let service: Zrpc_Descriptor_QueuePolicy?
    let method: Zrpc_Descriptor_QueuePolicy?

    /// `TaskPolicy.defaultBackoff` in ZRPCQueue, for checking a backoff that sets only some fields.
    private static let defaultInitialBackoffMillis: UInt32 = 200
    private static let defaultMaxBackoffMillis: UInt32 = 60_000

    /// The arguments of `TaskPolicy.Overrides(…)`, one per line; empty when nothing is declared.
    ///
    /// `["maxAttempts: 3", "backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(20), multiplier: 2.0)"]`.
    func arguments() throws -> [String] {
        var arguments: [String] = []
        if let attempts = pick(\.maxAttempts) { arguments.append("maxAttempts: \(attempts)") }
        let initial = pick(\.initialBackoffMillis)
        let maximum = pick(\.maxBackoffMillis)
        let multiplier = pickMultiplier()
        if let multiplier, !(multiplier >= 1 && multiplier.isFinite) {
            throw GeneratorError("backoff_multiplier must be at least 1, not \(multiplier)")
        }
        let effectiveInitial = initial ?? Self.defaultInitialBackoffMillis
        let effectiveMaximum = maximum ?? Self.defaultMaxBackoffMillis
        if initial != nil || maximum != nil, effectiveInitial > effectiveMaximum {
            throw GeneratorError(
                "the backoff's initial_backoff_millis (\(effectiveInitial)) is above its max_backoff_millis "
                    + "(\(effectiveMaximum)\(maximum == nil ? ", the default" : ""))"
            )
        }
        if initial != nil || maximum != nil || multiplier != nil {
            let parts = [
                "initial: " + (initial.map { ".milliseconds(\($0))" } ?? "TaskPolicy.defaultBackoff.initial"),
                "maximum: " + (maximum.map { ".milliseconds(\($0))" } ?? "TaskPolicy.defaultBackoff.maximum"),
                "multiplier: " + (multiplier.map { "\($0)" } ?? "TaskPolicy.defaultBackoff.multiplier"),
            ]
            arguments.append("backoff: Backoff(\(parts.joined(separator: ", ")))")
        }
        if let lease = pick(\.leaseMillis) { arguments.append("lease: .milliseconds(\(lease))") }
        if let deadline = pick(\.deadlineMillis) { arguments.append("deadline: .milliseconds(\(deadline))") }
        let deadLetters = method.map(\.deadLetters).flatMap { $0 == 0 ? nil : $0 } ?? service?.deadLetters ?? 0
        switch deadLetters {
        case 0: break
        case 1: arguments.append("keepsDeadLetters: true")
        case 2: arguments.append("keepsDeadLetters: false")
        default: throw GeneratorError("dead_letters = \(deadLetters) is not DEAD_LETTERS_KEEP or DEAD_LETTERS_DISCARD")
        }
        return arguments
    }

    /// The method's value when non-zero, else the service's when non-zero.
    private func pick(_ field: KeyPath<Zrpc_Descriptor_QueuePolicy, UInt32>) -> UInt32? {
        if let value = method?[keyPath: field], value > 0 { return value }
        if let value = service?[keyPath: field], value > 0 { return value }
        return nil
    }

    private func pickMultiplier() -> Double? {
        if let value = method?.backoffMultiplier, value != 0 { return value }
        if let value = service?.backoffMultiplier, value != 0 { return value }
        return nil
    }
}
