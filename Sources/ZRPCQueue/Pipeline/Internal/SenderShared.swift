import Synchronization
import ZRPC
internal import ZeroMQ

/// What a ``PipelineSender``'s callers and its I/O thread share: the messages staged for the
/// thread, the count of messages in the pipeline (the capacity check), and the counters.
///
/// A send that finds room stages its frame here under one lock and returns; only the first one
/// after the thread took the stage posts a command to wake it, so a burst of sends costs one
/// wake-up. Sends that must wait go to the thread (``SenderDriver``), which hands them room in
/// the order they came.
final class SenderShared: Sendable {
    struct State {
        /// Frames accepted and not yet taken by the I/O thread.
        var staged: [Frame] = []
        /// Messages accepted and not yet taken by libzmq: staged, in the driver's queue, or granted
        /// to a waiting sender. Never above `capacity`.
        var inPipeline = 0
        /// A `.flush` command is posted and not yet handled: later sends need not post another.
        var loopNotified = false
        /// Senders waiting for room (parked in the driver, or on their way there). While any
        /// wait, new sends wait too, behind them.
        var waiting = 0
        var closed = false
        var statistics = PipelineSenderStatistics()
    }

    /// What ``offer(_:mayWait:)`` decided.
    enum Offer {
        /// Staged; post a `.flush` when `notify`.
        case staged(notify: Bool)
        /// Full, and the policy is to fail: counted as refused.
        case refused
        /// Full: wait in the driver (counted as waited).
        case mustWait
        case closed
    }

    /// The most messages in the pipeline at once (the high-water mark).
    let capacity: Int
    let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State())
    }

    /// Stages `frame` if there is room and nobody waits for room already.
    func offer(_ frame: Frame, mayWait: Bool) -> Offer {
        state.withLock { state -> Offer in
            if state.closed { return .closed }
            guard state.inPipeline < capacity, state.waiting == 0 else {
                if mayWait {
                    state.waiting += 1
                    state.statistics.waitedFull += 1
                    return .mustWait
                }
                state.statistics.refusedFull += 1
                return .refused
            }
            state.inPipeline += 1
            state.statistics.sent += 1
            state.staged.append(frame)
            defer { state.loopNotified = true }
            return .staged(notify: !state.loopNotified)
        }
    }

    /// Trades `empty` for the staged frames (the arrays swap buffers, nothing is copied).
    func takeStaged(into empty: inout [Frame]) {
        state.withLock { state in
            swap(&state.staged, &empty)
            state.loopNotified = false
        }
    }

    /// Records that libzmq took `sent` messages, and grants room to up to `waiters` waiting senders.
    ///
    /// When it grants any, it also trades `empty` for the staged frames, under the same lock:
    /// those were accepted before the waiting senders (nothing is staged while any wait), so they
    /// must go into the queue first, or a task's messages would leave out of order.
    ///
    /// - Returns: How many waiting senders now have room (their messages count as in the pipeline).
    func release(sent: Int, waiters: Int, takingStagedInto empty: inout [Frame]) -> Int {
        guard sent > 0 || waiters > 0 else { return 0 }
        return state.withLock { state in
            state.inPipeline -= sent
            let granted = min(waiters, max(0, capacity - state.inPipeline))
            guard granted > 0 else { return 0 }
            state.inPipeline += granted
            state.waiting -= granted
            state.statistics.sent += granted
            swap(&state.staged, &empty)
            state.loopNotified = false
            return granted
        }
    }

    /// Records that `count` waiting senders gave up (timed out, cancelled or closed out);
    /// `refused` of them count as refused because the pipeline stayed full.
    func abandonWaits(_ count: Int, refused: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.waiting -= count
            state.statistics.refusedFull += refused
        }
    }

    /// Records messages accepted that will never reach libzmq (closed before receivers had room).
    func discard(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { state in
            state.inPipeline -= count
            state.statistics.discarded += count
        }
    }

    /// Refuses sends from now on.
    ///
    /// - Returns: Whether this call closed it (false if it was closed already).
    func close() -> Bool {
        state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }

    var statistics: PipelineSenderStatistics { state.withLock { $0.statistics } }
}
