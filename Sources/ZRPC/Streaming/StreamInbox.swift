import Synchronization

/// The messages a stream has received and its reader has not taken yet.
///
/// Flow control by credit: the sender may have at most ``window`` messages that the reader has not
/// taken. As the reader takes them, the inbox grants them back to the sender (``grant``) in
/// portions of half the window, so a reader that stops reading stops the sender within one window
/// and the queue never holds more than ``window`` messages. A sender that ignores its credit is
/// caught by ``push(_:)`` (the call then fails), so a hostile peer cannot grow the queue either.
///
/// One task reads at a time (an `AsyncSequence` iterator); the transport pushes from its I/O
/// thread.
final class StreamInbox: Sendable {
    private struct State {
        var messages: [SerializedMessage] = []
        var head = 0
        /// Set once the stream ended: nil inside for a clean end, the error otherwise.
        var end: RPCError??
        var waiter: UnsafeContinuation<SerializedMessage?, any Error>?
        /// Messages taken since credit was last granted.
        var taken = 0
        /// Whether any message arrived.
        var received = false

        var buffered: Int { messages.count - head }

        /// Takes the next message; returns how much credit to grant for it (0 while less than a
        /// portion is owed).
        mutating func takeNext(portion: Int) -> (SerializedMessage, grant: Int)? {
            guard head < messages.count else { return nil }
            let message = messages[head]
            head += 1
            if head == messages.count {
                messages.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1_024, head * 2 >= messages.count {
                messages.removeFirst(head)
                head = 0
            }
            return (message, grant: owe(portion: portion))
        }

        /// Counts one message taken; returns the credit to grant now.
        mutating func owe(portion: Int) -> Int {
            taken += 1
            guard taken >= portion else { return 0 }
            defer { taken = 0 }
            return taken
        }
    }

    /// How many messages the sender may have outstanding.
    let window: Int
    private let portion: Int
    private let state = Mutex(State())
    /// Gives the sender more credit (sends a `Credit` frame, or adds to an in-process writer's).
    private let grant: @Sendable (Int) -> Void

    /// Creates an inbox.
    ///
    /// - Parameters:
    ///   - window: The most messages the sender may have outstanding (at least 1).
    ///   - grant: Called, outside any lock, with credit to give back to the sender.
    init(window: Int, grant: @escaping @Sendable (Int) -> Void) {
        self.window = max(window, 1)
        self.portion = max(self.window / 2, 1)
        self.grant = grant
    }

    /// What ``enqueue(_:)`` did with a message.
    enum Arrival {
        /// Queued (or dropped, the stream having ended); nobody to wake.
        case queued
        /// Queued, and the reader waits for it: call ``wakeReader()`` (after the rest of the
        /// batch, so one wake-up carries many messages).
        case readerWaiting
        /// The sender had no credit for it (``window`` messages wait already): dropped; the
        /// caller should fail the call.
        case overflow
    }

    /// Queues a received message without waking the reader.
    func enqueue(_ message: SerializedMessage) -> Arrival {
        state.withLock { state -> Arrival in
            if state.end != nil { return .queued }  // the stream ended: late messages are dropped
            state.received = true
            guard state.buffered < window else { return .overflow }
            state.messages.append(message)
            return state.waiter == nil ? .queued : .readerWaiting
        }
    }

    /// Hands the next queued message to the reader, if it waits for one.
    func wakeReader() {
        let handoff = state.withLock {
            state -> (UnsafeContinuation<SerializedMessage?, any Error>, SerializedMessage, Int)? in
            guard let waiter = state.waiter, let (message, credit) = state.takeNext(portion: portion) else {
                return nil
            }
            state.waiter = nil
            return (waiter, message, credit)
        }
        guard let (waiter, message, credit) = handoff else { return }
        waiter.resume(returning: message)
        if credit > 0 { grant(credit) }
    }

    /// Queues a received message and wakes the reader if it waits.
    ///
    /// - Returns: False when the sender had no credit for it (see ``Arrival/overflow``).
    func push(_ message: SerializedMessage) -> Bool {
        switch enqueue(message) {
        case .queued: return true
        case .readerWaiting:
            wakeReader()
            return true
        case .overflow: return false
        }
    }

    /// Ends the stream: the reader gets the messages already received, then the end (nil) or
    /// `error`. Later calls change nothing.
    func finish(_ error: RPCError? = nil) {
        enum Step {
            case none
            case end(UnsafeContinuation<SerializedMessage?, any Error>)
            case message(UnsafeContinuation<SerializedMessage?, any Error>, SerializedMessage, grant: Int)
        }
        let step = state.withLock { state -> Step in
            guard state.end == nil else { return .none }
            state.end = .some(error)
            guard let waiter = state.waiter else { return .none }
            state.waiter = nil
            // Messages queued but not yet handed over (``wakeReader()`` comes after the batch)
            // go first; the reader finds the end after them.
            if let (message, credit) = state.takeNext(portion: portion) {
                return .message(waiter, message, grant: credit)
            }
            return .end(waiter)
        }
        switch step {
        case .none:
            return
        case .message(let waiter, let message, let credit):
            waiter.resume(returning: message)
            if credit > 0 { grant(credit) }
        case .end(let waiter):
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Whether the stream ended and the reader has taken every message.
    var isDrained: Bool {
        state.withLock { $0.end != nil && $0.buffered == 0 }
    }

    /// Whether any message arrived (the peer was running the call).
    var hasReceived: Bool {
        state.withLock { $0.received }
    }

    /// Whether the stream ended (messages may still wait to be read).
    var hasEnded: Bool {
        state.withLock { $0.end != nil }
    }

    /// The next message; nil at a clean end.
    ///
    /// - Throws: The error the stream ended with; CANCELLED when the reading task is cancelled;
    ///   FAILED_PRECONDITION when another task is already reading.
    func next() async throws -> SerializedMessage? {
        enum Step {
            case message(SerializedMessage, grant: Int)
            case end(RPCError?)
            case wait
        }
        let step = state.withLock { state -> Step in
            if let (message, credit) = state.takeNext(portion: portion) { return .message(message, grant: credit) }
            if let end = state.end { return .end(end) }
            return .wait
        }
        switch step {
        case .message(let message, let credit):
            if credit > 0 {
                grant(credit)
                // A reader that always finds messages waiting never suspends: let the other tasks
                // on its thread run once per portion.
                await Task.yield()
            }
            return message
        case .end(let error):
            if let error { throw error }
            return nil
        case .wait:
            return try await waitForNext()
        }
    }

    private func waitForNext() async throws -> SerializedMessage? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation {
                (continuation: UnsafeContinuation<SerializedMessage?, any Error>) in
                enum Step {
                    case parked
                    case message(SerializedMessage, grant: Int)
                    case end(RPCError?)
                    case busy
                }
                let step = state.withLock { state -> Step in
                    if let (message, credit) = state.takeNext(portion: portion) {
                        return .message(message, grant: credit)
                    }
                    if let end = state.end { return .end(end) }
                    guard state.waiter == nil else { return .busy }
                    state.waiter = continuation
                    return .parked
                }
                switch step {
                case .parked:
                    if Task.isCancelled { cancelWaiter() }
                case .message(let message, let credit):
                    continuation.resume(returning: message)
                    if credit > 0 { grant(credit) }
                case .end(let error):
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                case .busy:
                    continuation.resume(
                        throwing: RPCError(code: .failedPrecondition, message: "two tasks read one stream at once")
                    )
                }
            }
        } onCancel: {
            cancelWaiter()
        }
    }

    private func cancelWaiter() {
        let waiter = state.withLock { state -> UnsafeContinuation<SerializedMessage?, any Error>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: RPCError(code: .cancelled, message: "reading the stream was cancelled"))
    }
}
