import DequeModule
import Synchronization
internal import ZeroMQ

/// What the I/O thread hands a subscription's readers: an event still to decode, or a gap.
enum SubscriptionItem: Sendable {
    case event(topic: String, header: PubSubWire.Header, payload: Frame)
    case gap(SubscriptionGap)
}

/// The welcomes a subscription has received: who has its subscriptions.
struct Welcomes: Sendable {
    var forwarders = Set<PublisherID>()
    var publishers = Set<PublisherID>()
    var isReady: Bool { !forwarders.isEmpty || !publishers.isEmpty }
}

/// What a ``Subscription``'s readers and its I/O thread share: the items read ahead (at most
/// `capacity`), readers waiting, the counters and the welcomes.
///
/// As ZRPCQueue's pipeline receiver: the I/O thread stops reading when the buffer is full (libzmq's
/// queue then fills, and the sender drops for this subscriber, which shows here as a gap); the
/// reader that takes the buffer down to half asks it to go on.
final class SubscriptionShared: Sendable {
    typealias Reader = CheckedContinuation<SubscriptionItem?, any Error>

    struct State {
        var buffer = Deque<SubscriptionItem>()
        var readers = Deque<(id: UInt64, continuation: Reader)>()
        var paused = false
        var resumeRequested = false
        var finished = false
        var nextReaderID: UInt64 = 0
        var statistics = SubscriptionStatistics()
    }

    let capacity: Int
    let state: Mutex<State>
    let welcomes = Watched(Welcomes())

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State())
    }

    var room: Int { state.withLock { capacity - $0.buffer.count } }

    /// Hands `items` to waiting readers, then buffers them; records the I/O thread's counters.
    ///
    /// - Returns: Whether the buffer is now full.
    func deliver(
        _ items: inout [SubscriptionItem],
        malformed: Int,
        gaps: Int,
        missed: UInt64,
        publishers: [PublisherID: SubscriptionStatistics.PublisherTally]
    ) -> Bool {
        var handed: [(Reader, SubscriptionItem)] = []
        let full = state.withLock { state -> Bool in
            state.statistics.malformed += malformed
            state.statistics.gaps += gaps
            state.statistics.missed += missed
            state.statistics.publishers = publishers
            for item in items {
                if let reader = state.readers.popFirst() {
                    handed.append((reader.continuation, item))
                } else {
                    state.buffer.append(item)
                }
            }
            state.paused = state.buffer.count >= capacity
            return state.paused
        }
        items.removeAll(keepingCapacity: true)
        for (reader, item) in handed { reader.resume(returning: item) }
        return full
    }

    /// The next item, or nil once finished and drained; waits while the buffer is empty.
    func next(resume: () -> Void) async throws -> SubscriptionItem? {
        var askResume = false
        let taken = state.withLock { state -> SubscriptionItem?? in
            if let item = pop(&state, askResume: &askResume) { return item }
            return state.finished ? .some(nil) : nil
        }
        if askResume { resume() }
        if let taken { return taken }
        return try await waitForItem(resume: resume)
    }

    private func pop(_ state: inout State, askResume: inout Bool) -> SubscriptionItem? {
        guard let item = state.buffer.popFirst() else { return nil }
        if state.paused, !state.resumeRequested, state.buffer.count <= capacity / 2 {
            state.resumeRequested = true
            askResume = true
        }
        return item
    }

    private func waitForItem(resume: () -> Void) async throws -> SubscriptionItem? {
        let id = state.withLock { state in
            defer { state.nextReaderID += 1 }
            return state.nextReaderID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (reader: Reader) in
                var askResume = false
                let answer = state.withLock { state -> Result<SubscriptionItem?, any Error>? in
                    if let item = pop(&state, askResume: &askResume) { return .success(item) }
                    if state.finished { return .success(nil) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.readers.append((id, reader))
                    return nil
                }
                if askResume { resume() }
                if let answer { reader.resume(with: answer) }
            }
        } onCancel: {
            let reader = state.withLock { state -> Reader? in
                guard let index = state.readers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.readers.remove(at: index).continuation
            }
            reader?.resume(throwing: CancellationError())
        }
    }

    func resumed() {
        state.withLock { state in
            state.paused = false
            state.resumeRequested = false
        }
    }

    func finish() {
        let readers = state.withLock { state -> Deque<(id: UInt64, continuation: Reader)> in
            state.finished = true
            defer { state.readers.removeAll() }
            return state.readers
        }
        for reader in readers { reader.continuation.resume(returning: nil) }
    }

    /// Counts an event handed to the application (`decoded`) or a payload that did not decode.
    ///
    /// - Returns: The new value of that counter.
    func count(decoded: Bool) -> Int {
        state.withLock { state in
            if decoded {
                state.statistics.received += 1
                return state.statistics.received
            }
            state.statistics.malformed += 1
            return state.statistics.malformed
        }
    }

    var statistics: SubscriptionStatistics { state.withLock { $0.statistics } }
}
