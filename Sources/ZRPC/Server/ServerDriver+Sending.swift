internal import ZeroMQ

extension ServerDriver {
    /// Answers a call with an error.
    func respond(to client: ClientAddress, callID: UInt64, error: RPCError) {
        guard let header = try? WireHeaders.failure(callID: callID, error: error) else { return }
        enqueue(to: client, header: header, payload: Frame())
    }

    /// Queues a call's answer for `client`; ``flush()`` sends it with the others of this round for
    /// that client. A full message leaves at once.
    func enqueue(to client: ClientAddress, header: Frame, payload: Frame?) {
        drain.answered(client)
        memoryRelease.answered(bytes: payload?.count ?? 0)
        do {
            if let full = try batches.append(to: client.routingID, header: header, payload: payload) { send(full) }
        } catch {
            statistics.record(.undeliverable)
        }
    }

    func send(_ message: WireFormat.OutgoingMessage) {
        do {
            if try !socket.send(message.frames, dontWait: true) {
                statistics.record(.undeliverable, count: message.calls)
            }
        } catch {
            // EHOSTUNREACH (ROUTER_MANDATORY): the client is gone. Nothing to deliver to.
            statistics.record(.undeliverable, count: message.calls)
        }
    }

    // MARK: Draining

    /// A call left the table: when it was the last one and the server is draining, the drain
    /// moves on.
    func callRemoved() {
        guard table.isEmpty else { return }
        if let at = memoryRelease.becameIdle(now: .now) { timers.schedule(.releaseMemory, at: at) }
        perform(drain.callsDone())
    }

    /// Carries out what the drain state machine decided.
    func perform(_ action: DrainStateMachine<ClientAddress>.Action?) {
        switch action {
        case nil:
            return
        case .cancelCallsInFlight:
            for call in table.removeAll() {
                call.handle?.cancel()
                let error = RPCError(code: .unavailable, message: "the server shut down before the call completed")
                closeStream(serial: call.serial, error)
                respond(to: call.peer, callID: call.callID, error: error)
            }
            callRemoved()
        case .ping(let nonces):
            flush()  // each ping must follow the responses queued for its client
            var sent: Set<UInt64> = []
            for (client, nonce) in nonces {
                guard let ping = try? WireHeaders.ping(nonce: nonce),
                    let message = try? WireFormat.frames(routingID: client.routingID, header: ping),
                    (try? socket.send(message, dontWait: true)) == true
                else { continue }
                sent.insert(nonce)
            }
            let next = drain.pingsSent(sent)
            if next == nil { timers.schedule(.flush, at: ContinuousClock.now.advanced(by: .seconds(1))) }
            perform(next)
        case .finish:
            resumeDrainWaiters()
        }
    }

    func resumeDrainWaiters() {
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }
}
