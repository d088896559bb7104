internal import ZeroMQ

extension ClientDriver {
    /// Reads one message from server `peer`: responses resume their callers, stream frames go to
    /// their streams, pings are answered.
    func deliver(_ message: borrowing ReceivedMessage, from peer: Int) {
        let failure = WireFormat.parse(message, from: 0) { call in
            switch call.header.kind {
            case .response(let header)?:
                guard let waiting = pending.removeValue(for: header.callID), let payload = call.payload else {
                    statistics.record(.lateResponse)
                    return
                }
                if let stream = waiting.stream { stream.end(with: header) }
                waiting.continuation.resume(returning: TransportResponse(header: header, payload: payload))
                resumeDrainWaitersIfIdle()
            case .streamMessage(let header)?:
                guard let stream = pending[header.callID]?.stream, let payload = call.payload else {
                    statistics.record(.lateResponse)
                    return
                }
                switch stream.io.inbox.enqueue(SerializedMessage(frame: payload)) {
                case .queued: break
                case .readerWaiting: readersToWake.append(stream.io.inbox)
                case .overflow:
                    failCall(
                        header.callID,
                        RPCError(
                            code: .internal,
                            message: "the server sent more stream messages than the \(stream.io.inbox.window) granted"
                        )
                    )
                }
            case .credit(let header)?:
                pending[header.callID]?.stream?.io.credit.add(Int(header.messages))
            case .ping(let ping)?:
                guard peers[peer].state != .closed else { return }
                _ = try? peers[peer].socket.send(
                    WireFormat.frames(header: WireHeaders.pong(nonce: ping.nonce)),
                    dontWait: true
                )
            default:
                statistics.record(.malformedResponse)
            }
        }
        if failure != nil { statistics.record(.malformedResponse) }
        wakeReaders()
    }

    /// Wakes the stream readers that waited for a message of the one just read: once each, with
    /// everything that arrived for them in it.
    func wakeReaders() {
        guard !readersToWake.isEmpty else { return }
        for inbox in readersToWake { inbox.wakeReader() }
        readersToWake.removeAll(keepingCapacity: true)
    }

    /// The connection to server `peer` was lost (it closed, died, or stopped answering
    /// heartbeats): the calls sent to it fail now with UNAVAILABLE instead of at their deadline.
    /// Whether a call ran is not known (its request may have been processed), unless it is a
    /// stream that had received messages; the error says which, so a retry layer can decide.
    func peerLost(_ peer: Int) {
        let lost = pending.removeAll { $0.peer == peer && isSent($0) }
        if peers[peer].state == .retired { peers[peer].close(poller: poller) }
        guard !lost.isEmpty else { return }
        statistics.record(.lostInFlight(lost.count))
        let endpoint = peers[peer].endpoint
        for call in lost {
            let responded = call.stream?.io.inbox.hasReceived ?? false
            call.fail(
                RPCError(
                    code: .unavailable,
                    message:
                        "the connection to \(endpoint) was lost before the server answered"
                        + (responded ? "" : "; the call may or may not have run"),
                    metadata: responded ? [:] : [RPCError.outcomeUnknownMetadataKey: "true"]
                )
            )
        }
        resumeDrainWaitersIfIdle()
    }
}

extension ClientDriver {
    /// Follows a directory update: endpoints not known yet get a server peer (connected now),
    /// those left out are retired (no new calls; closed once their calls are done), and one that
    /// comes back is active again.
    func setEndpoints(_ endpoints: [String]) {
        let wanted = Set(endpoints)
        for index in peers.indices where peers[index].state == .active && !wanted.contains(peers[index].endpoint) {
            peers[index].state = .retired
        }
        for endpoint in endpoints {
            if let index = peers.firstIndex(where: { $0.endpoint == endpoint && $0.state != .closed }) {
                peers[index].state = .active
                continue
            }
            do {
                let peer = try ServerPeer(endpoint: endpoint, context: context, configuration: configuration)
                if let poller { try peer.connect(poller: poller) }
                peers.append(peer)
            } catch {
                configuration.logger.warning(
                    "cannot connect to a server the directory lists",
                    metadata: ["endpoint": "\(endpoint)", "error": "\(error)"]
                )
            }
        }
        closeIdleRetiredPeers()
        sendBlocked = false  // a new server may take what waits
    }

    /// Closes the retired peers no call in flight still uses.
    func closeIdleRetiredPeers() {
        guard peers.contains(where: { $0.state == .retired }) else { return }
        var busy = Set<Int>()
        pending.forEach { busy.insert($0.peer) }
        for index in peers.indices where peers[index].state == .retired && !busy.contains(index) {
            peers[index].close(poller: poller)
        }
    }
}
