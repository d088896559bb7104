internal import ZeroMQ

extension ClientDriver {
    /// Queues a frame for `flush`, which sends it with the others of this round, in order.
    func enqueue(_ outgoing: Outgoing) {
        enqueuedCalls += 1
        outbound.append(outgoing)
    }

    /// Sends the frames not sent yet, a message per ``WireFormat/maxCallsPerMessage``, until the
    /// sockets would block; the rest wait for a socket to signal that it can take more.
    ///
    /// New calls go to the servers in turn, a message at a time, skipping a server that cannot
    /// take the message now (not connected, or at its high-water mark); a frame of a call already
    /// under way (a stream's message, half-close or credit) goes to that call's server, and a
    /// message holding one is sent there or waits.
    func flushOutbound() {
        guard peers.contains(where: { $0.state == .active }) else {  // no server: calls wait, up to their deadline
            sendBlocked = true
            return
        }
        sendBlocked = false
        while outboundHead < outbound.count {
            var message: WireFormat.OutgoingMessage
            do {
                message = try WireFormat.OutgoingMessage(routingID: nil)
            } catch {
                failUnsent(outbound[outboundHead...], error)
                break
            }
            let first = outbound[outboundHead]
            let pinned = first.opensCall ? nil : pending[first.id]?.peer
            var target = pinned ?? nextActivePeer()
            var holdsPinned = pinned != nil
            var end = outboundHead
            while end < outbound.count, !message.isFull {
                let item = outbound[end]
                guard pending[item.id] != nil else {  // cancelled or expired while it waited
                    end += 1
                    continue
                }
                if !item.opensCall, peers.count > 1, let peer = pending[item.id]?.peer {
                    if peer != target { break }
                    holdsPinned = true
                }
                message.append(header: item.header, payload: item.payload)
                end += 1
            }
            let batch = outbound[outboundHead..<end]
            if message.calls > 0 {
                do {
                    guard let sentTo = try send(message, preferring: target, canMove: !holdsPinned) else {
                        sendBlocked = true
                        return
                    }
                    target = sentTo
                    statistics.record(.sentMessage(requests: message.calls))
                    if peers.count > 1 { assign(batch, to: target) }
                    if pinned == nil { nextPeer = (target + 1) % peers.count }
                } catch {
                    failUnsent(batch, error)
                }
            }
            outboundHead = end
        }
        outbound.removeAll(keepingCapacity: true)
        outboundHead = 0
    }

    /// Sends `message` to server `preferred`, or when it cannot take it now and `canMove`, to the
    /// next one that can.
    ///
    /// - Returns: The server that took it; nil when none could (it would block).
    private func send(_ message: WireFormat.OutgoingMessage, preferring preferred: Int, canMove: Bool) throws -> Int? {
        guard canMove else {
            guard peers[preferred].state != .closed else { return nil }
            return try peers[preferred].socket.send(message.frames, dontWait: true) ? preferred : nil
        }
        for offset in 0..<peers.count {
            let index = (preferred + offset) % peers.count
            guard peers[index].state == .active else { continue }
            if try peers[index].socket.send(message.frames, dontWait: true) { return index }
        }
        return nil
    }

    /// The server new calls go to next: `nextPeer`, or the first active one after it.
    private func nextActivePeer() -> Int {
        for offset in 0..<peers.count {
            let index = (nextPeer + offset) % peers.count
            if peers[index].state == .active { return index }
        }
        return nextPeer % max(peers.count, 1)
    }

    /// Records which server the calls opened by `batch` went to.
    private func assign(_ batch: ArraySlice<Outgoing>, to peer: Int) {
        for item in batch where item.opensCall {
            pending.modify(item.id) { $0.peer = peer }
        }
    }

    /// Fails calls the sockets refused (not would-block: closed, say): none of them was sent.
    func failUnsent(_ calls: ArraySlice<Outgoing>, _ error: any Error) {
        for call in calls {
            guard let waiting = pending.removeValue(for: call.id) else { continue }
            waiting.fail(
                RPCError(
                    code: .unavailable,
                    message: "could not send: \(error)",
                    metadata: [RPCError.notSentMetadataKey: "true"]
                )
            )
        }
        resumeDrainWaitersIfIdle()
    }

    /// Fails a call in flight and tells its server.
    func failCall(_ id: UInt64, _ error: RPCError) {
        guard let call = pending.removeValue(for: id) else { return }
        call.fail(error)
        sendCancel(id, to: call.peer)
        resumeDrainWaitersIfIdle()
    }

    func sendCancel(_ id: UInt64, to peer: Int) {
        guard peers.indices.contains(peer), peers[peer].state != .closed else { return }
        _ = try? peers[peer].socket.send(WireFormat.frames(header: WireHeaders.cancel(callID: id)), dontWait: true)
    }
}
