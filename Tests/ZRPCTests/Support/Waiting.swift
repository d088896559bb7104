/// Bounded waits for conditions that become true in the background.

/// Waits until `condition` holds, polling every 10 ms, for `timeout` at most.
///
/// - Returns: Whether it held in time.
func eventually(within timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Waits for a value to stop changing: it must be the same over `quiet`, sampled every 10 ms,
/// within `timeout`.
///
/// - Returns: The settled value.
func settled<Value: Equatable>(
    quiet: Duration = .milliseconds(300),
    within timeout: Duration = .seconds(10),
    _ value: () async throws -> Value
) async rethrows -> Value {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var last = try await value()
    var since = ContinuousClock.now
    while ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(10))
        let now = try await value()
        if now != last {
            last = now
            since = .now
        } else if since.duration(to: .now) >= quiet {
            return now
        }
    }
    return last
}
