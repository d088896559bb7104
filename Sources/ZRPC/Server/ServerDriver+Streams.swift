internal import ZeroMQ

/// A streaming call the server is serving: what its handler reads and writes, and where its
/// messages go.
struct ServerStream {
    let io: StreamIO
    let client: ClientAddress
    let callID: UInt64
    /// The header in front of each of the call's messages (the same for all of them).
    let messageHeader: Frame
}

extension ServerDriver {
    /// Sets up an admitted call's stream: its inbox grants the client credit through the loop,
    /// its writer spends the credit the client granted (`clientWindow`) and sends through the loop.
    /// The client may send ``WireFormat/initialStreamCredit`` messages before the server grants
    /// any; the rest of the server's window is granted at once.
    ///
    /// - Returns: The handler's side of the stream; nil when the loop is gone or a header cannot
    ///   be encoded (the call is then answered with INTERNAL by the caller).
    func openStream(serial: UInt64, client: ClientAddress, callID: UInt64, clientWindow: UInt32) -> StreamIO? {
        guard let loop, let messageHeader = try? WireHeaders.streamMessage(callID: callID) else { return nil }
        let window = max(configuration.streamWindow, WireFormat.initialStreamCredit)
        let io = StreamIO(
            inbox: StreamInbox(window: window) { loop.submit(.grant(serial, $0)) },
            credit: StreamCredit(initial: Int(clientWindow)),
            send: { loop.submit(.streamMessage(serial, $0)) },
            sendEnd: {}
        )
        streams[serial] = ServerStream(io: io, client: client, callID: callID, messageHeader: messageHeader)
        if window > WireFormat.initialStreamCredit {
            sendCredit(window - WireFormat.initialStreamCredit, to: client, callID: callID)
        }
        return io
    }

    /// A stream message, credit or half-close from a client.
    func receiveStreamControl(_ kind: Zrpc_Wire_Header.Kind, payload: Frame?, from client: ClientAddress) {
        switch kind {
        case .streamMessage(let header):
            guard let serial = table.serial(peer: client, callID: header.callID), let stream = streams[serial],
                let payload
            else {
                statistics.record(.lateStreamMessage)
                return
            }
            switch stream.io.inbox.enqueue(SerializedMessage(frame: payload)) {
            case .queued: break
            case .readerWaiting: readersToWake.append(stream.io.inbox)
            case .overflow:
                fail(
                    serial: serial,
                    RPCError(
                        code: .resourceExhausted,
                        message:
                            "the client sent more stream messages than the \(stream.io.inbox.window) it was granted"
                    )
                )
            }
        case .streamEnd(let header):
            guard let serial = table.serial(peer: client, callID: header.callID), let stream = streams[serial] else {
                statistics.record(.lateStreamMessage)
                return
            }
            stream.io.inbox.finish()
        case .credit(let header):
            guard let serial = table.serial(peer: client, callID: header.callID), let stream = streams[serial] else {
                statistics.record(.lateStreamMessage)
                return
            }
            stream.io.credit.add(Int(header.messages))
        default:
            break
        }
    }

    /// Wakes the handlers that waited for a message of the message just read, once each.
    func wakeReaders() {
        guard !readersToWake.isEmpty else { return }
        for inbox in readersToWake { inbox.wakeReader() }
        readersToWake.removeAll(keepingCapacity: true)
    }

    /// A handler wrote a message: it goes out with the round's other answers for its client.
    func sendStreamMessage(serial: UInt64, _ message: SerializedMessage) {
        guard let stream = streams[serial] else { return }  // the call ended; its writer is closed
        enqueue(to: stream.client, header: stream.messageHeader, payload: message.frame)
    }

    /// A handler read messages: the client may send that many more.
    func grantCredit(serial: UInt64, _ messages: Int) {
        guard let stream = streams[serial] else { return }
        sendCredit(messages, to: stream.client, callID: stream.callID)
    }

    private func sendCredit(_ messages: Int, to client: ClientAddress, callID: UInt64) {
        guard let header = try? WireHeaders.credit(callID: callID, messages: messages) else { return }
        enqueue(to: client, header: header, payload: nil)
    }

    /// Ends a call's stream once the call left the table: a waiting reader or writer gets `error`
    /// (a handler's writes after it returned are refused the same way).
    func closeStream(serial: UInt64, _ error: RPCError) {
        guard !streams.isEmpty, let stream = streams.removeValue(forKey: serial) else { return }
        stream.io.inbox.finish(error)
        stream.io.credit.close(error)
    }

    /// Fails a running streaming call: its handler is cancelled and the client gets `error`.
    private func fail(serial: UInt64, _ error: RPCError) {
        guard let call = table.remove(serial: serial) else { return }
        call.handle?.cancel()
        closeStream(serial: serial, error)
        respond(to: call.peer, callID: call.callID, error: error)
        callRemoved()
    }
}
