import Synchronization
import ZRPC
internal import ZeroMQ

/// A message `publish` accepted, before the I/O thread gives it its sequence number.
struct StagedEvent: Sendable {
    /// The full topic (`topic.key`): the key of the sequence numbers.
    let topic: String
    let topicFrame: Frame
    let payload: Frame
    let timestampMicros: Int64
    let metadata: Metadata
}

/// What a ``Publisher``'s callers and its I/O thread share: the messages staged for the thread,
/// how many are in the publisher's queue (the capacity check), the counters, and the count of
/// subscribers (watched, for ``Publisher/waitForSubscribers(_:timeout:)``).
///
/// As in ZRPCQueue's pipeline sender: a publish that finds room stages its message under one lock
/// and returns; only the first after the thread took the stage wakes it.
final class PublisherShared: Sendable {
    struct State {
        var staged: [StagedEvent] = []
        /// Accepted and not yet taken by libzmq. Never above `capacity`.
        var inQueue = 0
        var loopNotified = false
        /// Publishes waiting for room; while any wait, new ones wait behind them.
        var waiting = 0
        var closed = false
        var statistics = PublisherStatistics()
    }

    enum Offer {
        case staged(notify: Bool)
        /// `.drop` and full: counted as dropped.
        case dropped
        /// `.fail` and full: counted as refused.
        case refused
        /// `.wait` and full: wait in the driver (counted as waited).
        case mustWait
        case closed
    }

    let capacity: Int
    let state: Mutex<State>
    /// Subscribers whose welcome subscription reached the publisher.
    let subscribers = Watched(0)

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State())
    }

    func offer(_ event: StagedEvent, whenFull: PublisherConfiguration.WhenFull) -> Offer {
        state.withLock { state -> Offer in
            if state.closed { return .closed }
            guard state.inQueue < capacity, state.waiting == 0 else {
                switch whenFull.mode {
                case .drop:
                    state.statistics.dropped += 1
                    return .dropped
                case .fail:
                    state.statistics.refusedFull += 1
                    return .refused
                case .wait:
                    state.waiting += 1
                    state.statistics.waitedFull += 1
                    return .mustWait
                }
            }
            state.inQueue += 1
            state.statistics.published += 1
            state.staged.append(event)
            defer { state.loopNotified = true }
            return .staged(notify: !state.loopNotified)
        }
    }

    /// Trades `empty` for the staged messages.
    func takeStaged(into empty: inout [StagedEvent]) {
        state.withLock { state in
            swap(&state.staged, &empty)
            state.loopNotified = false
        }
    }

    /// Records that libzmq took `sent` messages and grants room to up to `waiters` waiting
    /// publishes; when it grants any it also takes the staged messages (accepted before them).
    ///
    /// - Returns: How many waiting publishes now have room.
    func release(sent: Int, waiters: Int, takingStagedInto empty: inout [StagedEvent]) -> Int {
        guard sent > 0 || waiters > 0 else { return 0 }
        return state.withLock { state in
            state.inQueue -= sent
            let granted = min(waiters, max(0, capacity - state.inQueue))
            guard granted > 0 else { return 0 }
            state.inQueue += granted
            state.waiting -= granted
            state.statistics.published += granted
            swap(&state.staged, &empty)
            state.loopNotified = false
            return granted
        }
    }

    func abandonWaits(_ count: Int, refused: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.waiting -= count
            state.statistics.refusedFull += refused
        }
    }

    func discard(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.inQueue -= count
            state.statistics.discarded += count
        }
    }

    func countWelcome(subscribers count: Int) {
        state.withLock { state in
            state.statistics.welcomes += 1
            state.statistics.subscribers = count
        }
        subscribers.update { $0 = count }
    }

    func countDeniedSubscription() {
        state.withLock { $0.statistics.deniedSubscriptions += 1 }
    }

    func setSubscribers(_ count: Int) {
        state.withLock { $0.statistics.subscribers = count }
        subscribers.update { $0 = count }
    }

    /// - Returns: Whether this call closed it.
    func close() -> Bool {
        state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }

    var statistics: PublisherStatistics { state.withLock { $0.statistics } }
}
