import Logging
internal import ZeroMQ

extension ServerDriver {
    /// Starts an admitted call: with `.ioThread` handlers, with the rest of its message's calls
    /// once the message is read; otherwise (and always for a stream, which lives across loop
    /// rounds) in a task of its own.
    /// Requests larger than this are decoded and handled off the I/O thread whatever the handler
    /// execution: decoding a few megabytes (or millions of small fields) takes long enough to hold
    /// every other client's calls back.
    static let largestRequestOnIOThread = 64 << 10

    func run(_ call: AcceptedCall) {
        let onIOThread =
            configuration.handlerExecution.onIOThread && call.request.payload.count <= Self.largestRequestOnIOThread
            && !(watch?.isMoved(call.request.context.method.service) ?? false)
        if call.request.stream == nil, onIOThread, #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            waitingToRun.append(call)
            return
        }
        guard let chain, let loop else { return }
        let executor: (any TaskExecutor)? = onIOThread ? loop : nil
        if onIOThread { runsOnIOThread(call) }
        track(
            call,
            task: Self.spawn(
                call,
                chain: chain,
                loop: loop,
                executor: executor,
                logger: configuration.logger,
                statistics: statistics
            )
        )
    }

    /// A call whose task prefers the I/O thread and has not finished: a candidate when a resumed
    /// task holds the thread.
    private func runsOnIOThread(_ call: AcceptedCall) {
        guard let watch else { return }
        onIOThread[call.serial] = call.methodIndex
        watch.suspended(method: call.methodIndex, 1)
    }

    /// Starts a task of its own for one call; it posts the response to the loop.
    private static func spawn(
        _ call: AcceptedCall,
        chain: nonisolated(nonsending) @escaping @Sendable (ServerRequest) async throws -> SerializedMessage,
        loop: IOLoop<ServerDriver>,
        executor: (any TaskExecutor)?,
        logger: Logger,
        statistics: ServerStatistics
    ) -> Task<Void, Never> {
        let (serial, request, callID) = (call.serial, call.request, call.callID)
        return Task(executorPreference: executor) {
            let response = await run(chain, request, callID: callID, logger: logger, statistics: statistics)
            loop.submit(.finished(serial, response))
        }
    }

    /// Runs the calls of the message just read on the I/O thread, in as few tasks as their
    /// handlers allow (one, unless a handler suspends); sends the answers of those that finish at
    /// once and tracks the others.
    func runWaitingCalls() {
        guard !waitingToRun.isEmpty else { return }
        guard #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *), let chain, let loop else { return }
        var calls = waitingToRun
        waitingToRun.removeAll(keepingCapacity: true)
        while !calls.isEmpty {
            let batch = InlineBatch(calls: calls, watch: watch)
            let task = batch.start(chain: chain, loop: loop, logger: configuration.logger, statistics: statistics)
            watch?.leave()
            let outcome = batch.detach()
            for (index, response) in outcome.responses.enumerated() {
                table.release(calls[index].reservation)
                if let response { enqueue(to: calls[index].client, header: response.header, payload: response.payload) }
            }
            if outcome.suspended {
                runsOnIOThread(calls[outcome.responses.count])
                track(calls[outcome.responses.count], task: task)
            }
            calls = Array(calls[outcome.notStarted...])
        }
        callRemoved()
    }

    /// A call whose handler is still running: its deadline and CANCEL apply until its response
    /// arrives as a `finished` command.
    private func track(_ call: AcceptedCall, task: Task<Void, Never>) {
        table.track(call.reservation, peer: call.client, callID: call.callID, handle: task)
        timers.schedule(.call(serial: call.serial), at: call.deadline)
    }

    /// Runs the chain and encodes its outcome as a response; a request its decoder refused for a
    /// decoding limit counts in `statistics`' rejected calls.
    nonisolated(nonsending) static func run(
        _ chain: nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage,
        _ request: ServerRequest,
        callID: UInt64,
        logger: Logger,
        statistics: ServerStatistics
    ) async -> EncodedResponse? {
        let context = request.context
        do {
            let payload = try await CallDeadline.$current.withValue(context.deadline) {
                try await chain(request)
            }
            return EncodedResponse(
                header: try WireHeaders.success(callID: callID, trailers: context.responseTrailers),
                payload: payload.frame
            )
        } catch {
            let status = WireStatus.status(for: error, method: context.method, logger: logger)
            if MethodHandler.exceedsDecodingLimits(status) { statistics.record(.rejected) }
            guard
                let header = try? WireHeaders.failure(callID: callID, error: status, trailers: context.responseTrailers)
            else { return nil }
            return EncodedResponse(header: header, payload: Frame())
        }
    }
}
