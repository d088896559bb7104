import Logging
internal import ZeroMQ

/// Runs the calls of one request message on the server's I/O thread in a single task, one after
/// another, instead of creating a task per call.
///
/// The driver starts the task with `Task.immediate`, so it runs right away on the I/O thread.
/// When it returns, the task has either run every call, or it is suspended inside one handler.
/// ``detach()`` then says which calls finished (their responses wait here, to be sent at once),
/// which call the task is suspended in (the driver tracks it, and cancelling the task cancels
/// that call alone, because the task takes no further calls), and which calls it never reached
/// (the driver starts another batch for those). A handler that suspends therefore never holds up
/// the calls after it.
final class InlineBatch: @unchecked Sendable {
    // Safe to share: the driver uses a batch on the I/O thread, and the batch's task runs there
    // too. It prefers the I/O loop's executor, and the chain it runs is nonisolated(nonsending),
    // so each step after a suspension resumes on that executor. After the loop has stopped, the
    // task may resume on another thread, but then the driver no longer touches the batch.

    /// What the task did before it returned control to the driver, as positions in the calls the
    /// batch was made with (the driver still holds them: nothing here copies a call).
    struct Outcome {
        /// The responses of the calls that finished, the first calls in order (nil where none
        /// could be encoded).
        let responses: [ServerDriver.EncodedResponse?]
        /// Whether the task is suspended in the call right after those; it now posts that call's
        /// response to the loop.
        let suspended: Bool
        /// Where the calls the task did not reach (and will not run) begin.
        var notStarted: Int { responses.count + (suspended ? 1 : 0) }
    }

    private let calls: [AcceptedCall]
    /// The next call to run, and the index the task stops at (lowered by ``detach()``).
    private var next = 0
    private var end: Int
    /// Whether the task is inside a call's handler chain.
    private var inCall = false
    /// Set by ``detach()``: from then on the task posts responses to the loop.
    private var detached = false
    private var responses: [ServerDriver.EncodedResponse?] = []
    /// Marks each handler started here, for the I/O thread's watchdog.
    private let watch: IOThreadWatch?

    init(calls: [AcceptedCall], watch: IOThreadWatch?) {
        self.calls = calls
        self.watch = watch
        end = calls.count
        responses.reserveCapacity(calls.count)
    }

    /// Starts the task on the I/O thread; returns when it has run every call or is suspended.
    @available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *)
    func start(
        chain: nonisolated(nonsending) @escaping @Sendable (ServerRequest) async throws -> SerializedMessage,
        loop: IOLoop<ServerDriver>,
        logger: Logger,
        statistics: ServerStatistics
    ) -> Task<Void, Never> {
        Task.immediate(executorPreference: loop) {
            await self.runCalls(chain: chain, loop: loop, logger: logger, statistics: statistics)
        }
    }

    /// Ends the inline part: the task takes no call after the one it is in, and posts that one's
    /// response to the loop.
    func detach() -> Outcome {
        detached = true
        end = next
        defer { responses = [] }
        return Outcome(responses: responses, suspended: inCall)
    }

    nonisolated(nonsending) private func runCalls(
        chain: nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage,
        loop: IOLoop<ServerDriver>,
        logger: Logger,
        statistics: ServerStatistics
    ) async {
        while next < end {
            let index = next
            next += 1
            inCall = true
            watch?.enter(method: calls[index].methodIndex)
            let response = await ServerDriver.run(
                chain,
                calls[index].request,
                callID: calls[index].callID,
                logger: logger,
                statistics: statistics
            )
            inCall = false
            if detached {
                loop.submit(.finished(calls[index].serial, response))
            } else {
                responses.append(response)
            }
        }
    }
}
