import DequeModule
import Logging
import Synchronization
import ZRPC
internal import ZeroMQ

/// A send waiting for room in a full pipeline, parked on the sender's I/O thread.
struct SendWaiter: Sendable {
    /// Set by the waiting task's cancellation handler before it posts `.cancelWait`, so a waiter
    /// whose `.wait` arrives after its cancel is still answered at once.
    final class Cancellation: Sendable {
        let isCancelled = Atomic<Bool>(false)
    }

    let id: UInt64
    let payload: Frame
    let deadline: ContinuousClock.Instant
    let timeout: Duration
    let cancellation: Cancellation
    let continuation: CheckedContinuation<Void, any Error>
}

/// The sending end's socket work, on its I/O thread: a PUSH socket, the queue of messages libzmq
/// has not taken yet, and the senders waiting for room.
///
/// Each round it takes what callers staged and sends until the socket would block (every
/// connected receiver's pipe at the high-water mark, or none connected); then it waits for the
/// socket's descriptor to say there is room again, and hands freed room to waiting senders
/// first, in order.
final class SenderDriver: IOLoopDriver {
    enum Command: Sendable {
        /// Callers staged messages.
        case flush
        /// A send waits for room.
        case wait(SendWaiter)
        /// A waiting send's task was cancelled.
        case cancelWait(UInt64)
        /// The sender is closing: fail the waiting sends, send what is queued until `deadline`,
        /// then resume.
        case drain(ContinuousClock.Instant, CheckedContinuation<Void, Never>)
    }

    private let socket: Socket
    /// The socket's place in the ZAP handler when it is a CURVE server (kept as long as the socket).
    private let zap: ZAPRegistration?
    /// The resolved endpoints (a wildcard port filled in).
    let endpoints: [String]
    private let shared: SenderShared
    private let logger: Logger
    private let signature: Frame
    /// Messages taken from the stage and not yet taken by libzmq, oldest first.
    private var outbound = Deque<Frame>()
    /// The stage's array, traded with the shared one each time (it keeps its buffer).
    private var spare: [Frame] = []
    private var waiters = Deque<SendWaiter>()
    /// The socket refused a message: only its descriptor signalling makes trying again worthwhile
    /// (retrying every round would keep the loop from ever waiting).
    private var blocked = false
    private var draining: (deadline: ContinuousClock.Instant, done: CheckedContinuation<Void, Never>)?

    init(
        context: Context,
        attachment: PipelineAttachment,
        configuration: PipelineSenderConfiguration,
        shared: SenderShared
    ) throws {
        self.shared = shared
        logger = configuration.logger
        do {
            socket = try Socket(context, type: .push)
            try socket.set(.sendHighWaterMark, configuration.highWaterMark)
            try socket.set(.linger, configuration.linger)
            // Sends go only to receivers that are connected: with none, the pipeline is full.
            try socket.set(.immediate, true)
            // No ZMTP heartbeats: a pipe that back-pressure has filled stops the engine reading, so the
            // peer's pings go unread, the connection is dropped as dead, and libzmq 4.3.4 can then abort
            // (`_input_stopped`, zeromq/libzmq#3937). A dead peer's TCP connection still closes.
            signature = try Frame(bytes: PipelineWire.signature)
        } catch {
            throw PipelineWire.setupError(error, "create a PUSH socket")
        }
        do {
            zap = try configuration.security.apply(to: socket, transport: configuration.transportContext)
            endpoints = try attachment.attach(socket)
        } catch {
            socket.close()
            throw error
        }
    }

    func start(poller: DescriptorPoller, loop: IOLoop<SenderDriver>) throws {
        try poller.add(socket)
    }

    func handle(_ command: consuming Command) {
        switch command {
        case .flush:
            break  // `flush()` follows the mailbox
        case .wait(let waiter):
            if waiter.cancellation.isCancelled.load(ordering: .acquiring) {
                shared.abandonWaits(1, refused: 0)
                waiter.continuation.resume(throwing: CancellationError())
            } else if draining != nil {
                shared.abandonWaits(1, refused: 0)
                waiter.continuation.resume(throwing: Self.closedError)
            } else {
                waiters.append(waiter)
                grant(sent: 0)
            }
        case .cancelWait(let id):
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
            let waiter = waiters.remove(at: index)
            shared.abandonWaits(1, refused: 0)
            waiter.continuation.resume(throwing: CancellationError())
        case .drain(let deadline, let done):
            failWaiters(Self.closedError)
            draining = (deadline, done)
            flush()
        }
    }

    static func reject(_ command: Command) {
        switch command {
        case .wait(let waiter):
            waiter.continuation.resume(throwing: closedError)
        case .drain(_, let done):
            done.resume()
        case .flush, .cancelWait:
            break
        }
    }

    static var closedError: RPCError {
        RPCError(
            code: .unavailable,
            message: "the pipeline sender is closed",
            metadata: [RPCError.notSentMetadataKey: "true"]
        )
    }

    func serviceSockets(limit: Int) throws {
        for _ in 0..<4 {
            // Asking for the events processes libzmq's commands (a receiver connected, a pipe has
            // room again) and re-arms the descriptor; nothing to read on a PUSH socket.
            let events = try socket.events
            guard !outbound.isEmpty, events.contains(.writable) else { return }
            blocked = false
            sendOutbound()
            if !blocked { return }
        }
    }

    func flush() {
        shared.takeStaged(into: &spare)
        takeSpare()
        if !blocked, !outbound.isEmpty { sendOutbound() }
        finishDrainIfDone()
    }

    var needsService: Bool { socket.mayHaveUnannouncedEvents }

    var nextDeadline: ContinuousClock.Instant? {
        var earliest = draining?.deadline
        for waiter in waiters where earliest.map({ waiter.deadline < $0 }) ?? true {
            earliest = waiter.deadline
        }
        return earliest
    }

    func fireTimers(now: ContinuousClock.Instant) {
        if waiters.contains(where: { $0.deadline <= now }) {
            var expired: [SendWaiter] = []
            waiters.removeAll { waiter in
                guard waiter.deadline <= now else { return false }
                expired.append(waiter)
                return true
            }
            shared.abandonWaits(expired.count, refused: expired.count)
            for waiter in expired {
                waiter.continuation.resume(
                    throwing: RPCError(
                        code: .resourceExhausted,
                        message: "the pipeline stayed full for \(waiter.timeout): no receiver took more messages",
                        metadata: [RPCError.notSentMetadataKey: "true"]
                    )
                )
            }
        }
        if let draining, draining.deadline <= now {
            self.draining = nil
            draining.done.resume()
        }
    }

    func stop() {
        failWaiters(Self.closedError)
        shared.takeStaged(into: &spare)
        let lost = outbound.count + spare.count
        outbound.removeAll()
        spare.removeAll()
        if lost > 0 {
            shared.discard(lost)
            logger.warning(
                "pipeline sender closed with messages no receiver took",
                metadata: ["discarded": "\(lost)", "endpoints": "\(endpoints)"]
            )
        }
        draining?.done.resume()
        draining = nil
        socket.close()
    }

    /// Sends queued messages until the socket would block, handing freed room to waiting senders.
    private func sendOutbound() {
        while true {
            var sent = 0
            do {
                while let payload = outbound.first {
                    guard try socket.send(signature, more: true, dontWait: true) else {
                        blocked = true
                        break
                    }
                    // Once the first frame is queued, libzmq takes the rest of the message
                    // (multipart messages are atomic), so this cannot block.
                    if try !socket.send(payload, dontWait: true) { try socket.send(payload) }
                    outbound.removeFirst()
                    sent += 1
                }
            } catch {
                // Only a closed socket or a terminated context fails here: nothing will go out.
                logger.error("pipeline sender cannot send: \(error)", metadata: ["endpoints": "\(endpoints)"])
                blocked = true
            }
            if grant(sent: sent) == 0 || blocked { return }
        }
    }

    /// Releases `sent` messages' room and moves as many waiting senders' messages as fit into the
    /// queue, resuming them.
    ///
    /// - Returns: How many waiting senders got room.
    @discardableResult
    private func grant(sent: Int) -> Int {
        let granted = shared.release(sent: sent, waiters: waiters.count, takingStagedInto: &spare)
        takeSpare()
        for _ in 0..<granted {
            let waiter = waiters.removeFirst()
            outbound.append(waiter.payload)
            waiter.continuation.resume()
        }
        return granted
    }

    /// Moves frames taken from the stage into the queue, keeping `spare`'s buffer.
    private func takeSpare() {
        guard !spare.isEmpty else { return }
        outbound.append(contentsOf: spare)
        spare.removeAll(keepingCapacity: true)
    }

    private func failWaiters(_ error: RPCError) {
        guard !waiters.isEmpty else { return }
        shared.abandonWaits(waiters.count, refused: 0)
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
        waiters.removeAll()
    }

    private func finishDrainIfDone() {
        guard let draining, outbound.isEmpty else { return }
        self.draining = nil
        draining.done.resume()
    }
}
