/// A bulkhead's state machine: at most `maxConcurrentCalls` calls run, at most `maxQueuedCalls`
/// wait (first come, first served), and anything beyond is rejected at once — so one slow
/// service cannot take the capacity of another.
///
/// ```swift
/// var bulkhead = Bulkhead(policy: .init(maxConcurrentCalls: 8, maxQueuedCalls: 16))
/// switch bulkhead.acquire(id) {
/// case .granted: run()
/// case .queued: wait()                   // until release() hands this id the permit
/// case .rejected: throw resourceExhausted
/// }
/// ```
public struct Bulkhead: Sendable {
    /// The limits.
    public struct Policy: Hashable, Sendable {
        /// Calls running at once.
        public var maxConcurrentCalls: Int
        /// Calls waiting for a permit.
        public var maxQueuedCalls: Int
        /// The longest a call waits for a permit before it is rejected.
        public var maxWait: Duration

        /// Creates limits.
        ///
        /// - Parameters:
        ///   - maxConcurrentCalls: Calls running at once (≥ 1).
        ///   - maxQueuedCalls: Calls waiting (≥ 0).
        ///   - maxWait: The longest wait for a permit.
        public init(maxConcurrentCalls: Int = 64, maxQueuedCalls: Int = 64, maxWait: Duration = .milliseconds(100)) {
            self.maxConcurrentCalls = maxConcurrentCalls
            self.maxQueuedCalls = maxQueuedCalls
            self.maxWait = maxWait
        }

        func validate() throws {
            guard maxConcurrentCalls >= 1 else {
                throw ResilienceConfigurationError("bulkhead maxConcurrentCalls must be ≥ 1")
            }
            guard maxQueuedCalls >= 0 else { throw ResilienceConfigurationError("bulkhead maxQueuedCalls must be ≥ 0") }
            guard maxWait >= .zero else { throw ResilienceConfigurationError("bulkhead maxWait must not be negative") }
        }
    }

    /// What became of a request for a permit.
    ///
    /// Frozen: a permit now, a place in the queue, or neither.
    public enum Admission: Hashable, Sendable {
        case granted
        case queued
        case rejected
    }

    /// The limits.
    public let policy: Policy
    /// Calls holding a permit.
    public private(set) var active = 0
    private var queue: [UInt64] = []
    private var queueHead = 0

    /// Creates an empty bulkhead.
    ///
    /// - Parameter policy: The limits.
    public init(policy: Policy) {
        self.policy = policy
    }

    /// Calls waiting for a permit.
    public var queued: Int { queue.count - queueHead }

    /// Asks for a permit for call `id`.
    public mutating func acquire(_ id: UInt64) -> Admission {
        if active < policy.maxConcurrentCalls && queued == 0 {
            active += 1
            return .granted
        }
        guard queued < policy.maxQueuedCalls else { return .rejected }
        queue.append(id)
        return .queued
    }

    /// Gives a permit back; returns the queued call that now holds it, if any.
    public mutating func release() -> UInt64? {
        if queueHead < queue.count {
            let next = queue[queueHead]
            queueHead += 1
            compact()
            return next  // the permit passes on: `active` is unchanged
        }
        active = max(0, active - 1)
        return nil
    }

    /// A queued call gave up (its wait or deadline ran out, or it was cancelled).
    ///
    /// - Returns: false when `id` was not queued (it may already hold a permit: release it).
    public mutating func abandon(_ id: UInt64) -> Bool {
        guard let index = queue[queueHead...].firstIndex(of: id) else { return false }
        queue.remove(at: index)
        return true
    }

    private mutating func compact() {
        if queueHead > 64 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }
}
