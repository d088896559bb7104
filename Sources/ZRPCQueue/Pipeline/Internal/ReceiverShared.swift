import DequeModule
import Synchronization
internal import ZeroMQ

/// What a ``PipelineReceiver``'s readers and its I/O thread share: the payloads read ahead (at
/// most `capacity`), readers waiting for one, and the counters.
///
/// The I/O thread stops reading when the buffer is full (libzmq's queue then fills, and then the
/// senders': back-pressure); the reader that takes the buffer down to half asks it to go on.
final class ReceiverShared: Sendable {
    typealias Reader = CheckedContinuation<Frame?, any Error>

    struct State {
        var buffer = Deque<Frame>()
        var readers = Deque<(id: UInt64, continuation: Reader)>()
        /// The I/O thread stopped reading because the buffer was full.
        var paused = false
        /// A reader posted `.resume` and the thread has not handled it yet.
        var resumeRequested = false
        /// No more payloads will come (closed): readers get the buffer, then nil.
        var finished = false
        var nextReaderID: UInt64 = 0
        var statistics = PipelineReceiverStatistics()
    }

    /// The most payloads read ahead.
    let capacity: Int
    let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State())
    }

    /// Room left in the buffer (the I/O thread reads at most this many before it delivers).
    var room: Int { state.withLock { capacity - $0.buffer.count } }

    /// Hands `payloads` to waiting readers first, then buffers them.
    ///
    /// - Parameter malformed: Messages dropped since the last delivery, to count.
    /// - Returns: Whether the buffer is now full (the thread must stop reading).
    func deliver(_ payloads: inout [Frame], malformed: Int) -> Bool {
        var handed: [(Reader, Frame)] = []
        let full = state.withLock { state -> Bool in
            state.statistics.malformed += malformed
            for payload in payloads {
                if let reader = state.readers.popFirst() {
                    handed.append((reader.continuation, payload))
                } else {
                    state.buffer.append(payload)
                }
            }
            state.paused = state.buffer.count >= capacity
            return state.paused
        }
        payloads.removeAll(keepingCapacity: true)
        for (reader, payload) in handed { reader.resume(returning: payload) }
        return full
    }

    /// The next payload, or nil once finished and drained; waits while the buffer is empty.
    ///
    /// - Parameter resume: Called (outside the lock) when the I/O thread must start reading again.
    func next(resume: () -> Void) async throws -> Frame? {
        var askResume = false
        let taken = state.withLock { state -> Frame?? in
            if let payload = pop(&state, askResume: &askResume) { return payload }
            return state.finished ? .some(nil) : nil
        }
        if askResume { resume() }
        if let taken { return taken }
        return try await waitForPayload(resume: resume)
    }

    /// Takes the oldest payload; asks for the reading to resume when this took the buffer of a
    /// paused thread down to half (or below).
    private func pop(_ state: inout State, askResume: inout Bool) -> Frame? {
        guard let payload = state.buffer.popFirst() else { return nil }
        if state.paused, !state.resumeRequested, state.buffer.count <= capacity / 2 {
            state.resumeRequested = true
            askResume = true
        }
        return payload
    }

    private func waitForPayload(resume: () -> Void) async throws -> Frame? {
        let id = state.withLock { state in
            defer { state.nextReaderID += 1 }
            return state.nextReaderID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (reader: Reader) in
                var askResume = false
                let answer = state.withLock { state -> Result<Frame?, any Error>? in
                    if let payload = pop(&state, askResume: &askResume) { return .success(payload) }
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

    /// The I/O thread reads again.
    func resumed() {
        state.withLock { state in
            state.paused = false
            state.resumeRequested = false
        }
    }

    /// No more payloads: waiting readers get nil (the buffer still goes to later reads).
    func finish() {
        let readers = state.withLock { state -> Deque<(id: UInt64, continuation: Reader)> in
            state.finished = true
            defer { state.readers.removeAll() }
            return state.readers
        }
        for reader in readers { reader.continuation.resume(returning: nil) }
    }

    /// Counts a delivered message (`decoded`) or a payload that did not decode.
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

    var statistics: PipelineReceiverStatistics { state.withLock { $0.statistics } }
}
