public import DequeModule
import Synchronization

/// What a receiving socket's readers and its I/O thread share (pipelines' receivers, pub/sub
/// subscriptions): the items read ahead (at most `capacity`), readers waiting for one, and the
/// owner's counters.
///
/// The I/O thread stops reading when the buffer is full (libzmq's queue then fills, and then the
/// senders': back-pressure); the reader that takes the buffer down to half asks it to go on.
///
/// Public as SPI and inlinable so that each module using it gets a copy specialized for its item
/// type: called across modules unspecialized (as a `package` type, whose inlinable code Swift 6.3
/// did not specialize in clients), it looked up generic metadata on every item and cost a
/// pipeline receiver 40 % of its throughput (queue-benchmark, 0.42 → 0.25 of raw libzmq).
@_spi(ReadAhead) public final class ReadAheadBuffer<Item: Sendable, Counters: Sendable>: Sendable {
    @usableFromInline typealias Reader = CheckedContinuation<Item?, any Error>

    @usableFromInline struct State {
        @usableFromInline var buffer = Deque<Item>()
        @usableFromInline var readers = Deque<(id: UInt64, continuation: Reader)>()
        /// The I/O thread stopped reading because the buffer was full.
        @usableFromInline var paused = false
        /// A reader asked for reading to resume and the thread has not handled it yet.
        @usableFromInline var resumeRequested = false
        /// No more items will come (closed): readers get the buffer, then nil.
        @usableFromInline var finished = false
        @usableFromInline var nextReaderID: UInt64 = 0
        @usableFromInline var counters: Counters

        @usableFromInline init(counters: Counters) { self.counters = counters }
    }

    /// The most items read ahead.
    public let capacity: Int
    @usableFromInline let state: Mutex<State>

    @inlinable public init(capacity: Int, counters: Counters) {
        self.capacity = capacity
        state = Mutex(State(counters: counters))
    }

    /// Room left in the buffer (the I/O thread reads at most this many before it delivers).
    @inlinable public var room: Int { state.withLock { capacity - $0.buffer.count } }

    /// The owner's counters now.
    @inlinable public var counters: Counters { state.withLock { $0.counters } }

    /// Hands `items` to waiting readers first, then buffers them, and updates the counters.
    ///
    /// - Returns: Whether the buffer is now full (the thread must stop reading).
    @inlinable public func deliver(_ items: inout [Item], counting: (inout Counters) -> Void = { _ in }) -> Bool {
        var handed: [(Reader, Item)] = []
        let full = state.withLock { state -> Bool in
            counting(&state.counters)
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

    /// Removes the oldest buffered items that `isDiscardable` accepts until fewer than `capacity`
    /// are left (or none of the rest may go), and counts them with `counting`.
    ///
    /// - Returns: Whether the buffer is still full, and the items removed (oldest first).
    @inlinable public func discardOldest(
        where isDiscardable: (Item) -> Bool,
        counting: (inout Counters, Int) -> Void
    ) -> (full: Bool, discarded: [Item]) {
        state.withLock { state in
            var excess = state.buffer.count - capacity + 1
            var kept = Deque<Item>()
            var discarded: [Item] = []
            while excess > 0, let item = state.buffer.popFirst() {
                if isDiscardable(item) {
                    discarded.append(item)
                    excess -= 1
                } else {
                    kept.append(item)
                }
            }
            state.buffer.prepend(contentsOf: kept)
            if !discarded.isEmpty { counting(&state.counters, discarded.count) }
            state.paused = state.buffer.count >= capacity
            return (state.paused, discarded)
        }
    }

    /// The next item, or nil once finished and drained; waits while the buffer is empty.
    ///
    /// - Parameter resume: Called (outside the lock) when the I/O thread must start reading again.
    @inlinable public func next(resume: () -> Void) async throws -> Item? {
        var askResume = false
        let taken = state.withLock { state -> Item?? in
            if let item = Self.pop(&state, capacity: capacity, askResume: &askResume) { return item }
            return state.finished ? .some(nil) : nil
        }
        if askResume { resume() }
        if let taken { return taken }
        return try await waitForItem(resume: resume)
    }

    /// Takes the oldest item; asks for the reading to resume when this took the buffer of a paused
    /// thread down to half (or below).
    @inlinable static func pop(_ state: inout State, capacity: Int, askResume: inout Bool) -> Item? {
        guard let item = state.buffer.popFirst() else { return nil }
        if state.paused, !state.resumeRequested, state.buffer.count <= capacity / 2 {
            state.resumeRequested = true
            askResume = true
        }
        return item
    }

    @inlinable func waitForItem(resume: () -> Void) async throws -> Item? {
        let id = state.withLock { state in
            defer { state.nextReaderID += 1 }
            return state.nextReaderID
        }
        let capacity = capacity
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (reader: Reader) in
                var askResume = false
                let answer = state.withLock { state -> Result<Item?, any Error>? in
                    if let item = Self.pop(&state, capacity: capacity, askResume: &askResume) { return .success(item) }
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
    @inlinable public func resumed() {
        state.withLock { state in
            state.paused = false
            state.resumeRequested = false
        }
    }

    /// No more items: waiting readers get nil (the buffer still goes to later reads).
    @inlinable public func finish() {
        let readers = state.withLock { state -> Deque<(id: UInt64, continuation: Reader)> in
            state.finished = true
            defer { state.readers.removeAll() }
            return state.readers
        }
        for reader in readers { reader.continuation.resume(returning: nil) }
    }

    /// Changes the owner's counters (an item handed to the application, one that did not decode).
    ///
    /// - Returns: What `body` returns.
    @inlinable public func updateCounters<Result>(_ body: (inout Counters) -> Result) -> Result {
        state.withLock { body(&$0.counters) }
    }
}
